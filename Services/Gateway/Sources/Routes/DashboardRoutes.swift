import Hummingbird
import KeelsonCharts
import KeelsonServiceKit

/// The web dashboard: one page (`/`, `/dashboard`, `/dashboard/<view>`) whose script signs in with an API key and
/// reads the same REST API as everyone else; the page, its script and style and the chart module are built into the
/// executable. The page itself holds no data, so it needs no key; every read and action behind it does.
struct DashboardRoutes {
    /// The views the page knows; any other `/dashboard/<name>` is a 404 rather than an empty page.
    static let views = ["overview", "positions", "orders", "trades", "strategies", "market", "execution", "audit", "keys"]

    static let page = asset(PackageResources.dashboard_html, type: "text/html; charset=utf-8")
    static let assets: [String: (type: String, body: ByteBuffer)] = [
        "dashboard.js": asset(PackageResources.dashboard_js, type: "text/javascript; charset=utf-8"),
        "dashboard.css": asset(PackageResources.dashboard_css, type: "text/css; charset=utf-8"),
        "chart.js": asset(ChartAssets.script, type: "text/javascript; charset=utf-8"),
        "chart.css": asset(ChartAssets.style, type: "text/css; charset=utf-8"),
    ]

    static func asset(_ bytes: [UInt8], type: String) -> (type: String, body: ByteBuffer) { (type, ByteBuffer(bytes: bytes)) }

    func register(router: Router<KeelsonRequestContext>) {
        router.get("/") { _, _ in Self.answer(Self.page) }
        router.get("dashboard") { _, _ in Self.answer(Self.page) }
        router.get("dashboard/:view") { _, context in
            let view = try context.parameters.require("view")
            guard Self.views.contains(view) else {
                throw APIError.notFound("no dashboard view '\(view)'; the views are \(Self.views.joined(separator: ", "))")
            }
            return Self.answer(Self.page)
        }
        router.get("dashboard/assets/:name") { _, context in
            let name = try context.parameters.require("name")
            guard let asset = Self.assets[name] else {
                throw APIError.notFound("no dashboard asset '\(name)'")
            }
            return Self.answer(asset)
        }
    }

    /// Revalidated on every load, so a new version of the gateway is never mixed with an old cached script.
    static func answer(_ asset: (type: String, body: ByteBuffer)) -> Response {
        Response(status: .ok, headers: [.contentType: asset.type, .cacheControl: "no-cache"], body: .init(byteBuffer: asset.body))
    }
}
