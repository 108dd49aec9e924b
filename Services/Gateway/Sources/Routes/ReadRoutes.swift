import Hummingbird
import KeelsonServiceKit
import KeelsonStrategies

/// The dashboard reads, each served by the service that owns the data.
struct ReadRoutes {
    /// Gateway path under `/api/v1` → the owning service and its path.
    static let routes: [(path: String, service: ServiceIdentity, upstream: String)] = [
        ("trading/session", .engine, "/api/v1/session"),
        ("trading/portfolio", .engine, "/api/v1/portfolio"),
        ("trading/positions", .engine, "/api/v1/positions"),
        ("trading/orders", .engine, "/api/v1/orders"),
        ("trading/trades", .engine, "/api/v1/trades"),
        ("trading/performance", .engine, "/api/v1/performance"),
        ("trading/equity", .engine, "/api/v1/equity"),
        ("trading/risk", .engine, "/api/v1/risk"),
        ("trading/strategies", .engine, "/api/v1/strategies"),
        ("trading/execution", .engine, "/api/v1/execution"),
        ("trading/capital", .engine, "/api/v1/capital"),
        ("market/providers", .marketdata, "/api/v1/providers"),
        ("market/symbols", .marketdata, "/api/v1/symbols"),
        ("market/candles", .marketdata, "/api/v1/candles"),
        ("market/candles/latest", .marketdata, "/api/v1/candles/latest"),
        ("signals", .signals, "/api/v1/signals"),
        ("signals/strategies", .signals, "/api/v1/strategies"),
        ("models", .signals, "/api/v1/models"),
    ]

    let proxy: UpstreamProxy

    func register(viewer: RouterGroup<KeelsonRequestContext>) {
        for route in Self.routes {
            viewer.get("api/v1/\(route.path)") { request, _ in
                try await proxy.forward(request, to: route.service, path: route.upstream)
            }
        }
        viewer.get("api/v1/trading/strategies/:id") { request, context in
            let id = try context.parameters.require("id")
            guard StrategyInstanceID.isValid(id) else {
                throw APIError.badRequest("'\(id)' is not a strategy instance id; ids are \(StrategyInstanceID.rule)")
            }
            return try await proxy.forward(request, to: .engine, path: "/api/v1/strategies/\(id)")
        }
        viewer.get("api/v1/models/:id") { request, context in
            let id = try context.parameters.require("id")
            guard let number = Int64(id), number > 0 else {
                throw APIError.badRequest("'\(id)' is not a model id; ids are whole numbers (GET /api/v1/models lists them)")
            }
            return try await proxy.forward(request, to: .signals, path: "/api/v1/models/\(number)")
        }
        // A read whose question needs a body, hence POST; it changes nothing, so a viewer may ask it.
        viewer.post("api/v1/analyze") { request, _ in
            try await proxy.forwardBody(request, to: .signals, path: "/api/v1/analyze")
        }
    }
}
