import HTTPTypes
import Hummingbird
import KeelsonServiceKit

/// Headers that keep a browser from being turned against the dashboard: scripts and styles only from the gateway
/// itself (so injected markup cannot run), no framing (clickjacking), no MIME sniffing, no referrer leaking a path.
/// Set on every answer; the JSON API loses nothing by them.
struct BrowserSecurityHeaders: RouterMiddleware {
    typealias Context = KeelsonRequestContext

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
        + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "no-referrer"
        return response
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
