import Foundation
import Hummingbird
import KeelsonServiceKit

/// Health for probes and people: `/ping`, `/health` (the verdict, from the latest background check),
/// `/health/detailed` (a fresh check of every part) and `/api/v1/status` (what an operator asks first).
struct StatusRoutes {
    let runtime: ServiceRuntime
    let monitor: HealthMonitor
    let settings: GatewaySettings
    let strategies: ServiceClient

    struct Ping: ResponseEncodable { var status = "ok" }

    struct HealthBody: ResponseEncodable {
        var status: SystemHealth.Status
        var service: String
        var version: String
        var mode: String
        var uptimeSeconds: Double
        var checkedAt: Date
        var reasons: [String]

        enum CodingKeys: String, CodingKey {
            case status, service, version, mode, reasons
            case uptimeSeconds = "uptime_seconds"
            case checkedAt = "checked_at"
        }
    }

    struct DetailedBody: ResponseEncodable {
        var version: String
        var uptimeSeconds: Double
        var health: SystemHealth

        func encode(to encoder: any Encoder) throws {
            try health.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
            try container.encode(uptimeSeconds, forKey: .uptimeSeconds)
        }

        enum CodingKeys: String, CodingKey {
            case version
            case uptimeSeconds = "uptime_seconds"
        }
    }

    struct StatusBody: ResponseEncodable {
        struct Trading: Encodable {
            var state: String?
            var reason: String?
            var maintenance: Bool
            var sessionID: Int64?
            enum CodingKeys: String, CodingKey { case state, reason, maintenance; case sessionID = "session_id" }
        }

        struct MarketData: Encodable {
            var connected: Bool
            var ageSeconds: Double?
            var stale: Bool
            enum CodingKeys: String, CodingKey { case connected, stale; case ageSeconds = "age_seconds" }
        }

        var status: SystemHealth.Status
        var trading: Trading
        var tradingActive: Bool
        var strategiesRunning: Int?
        var strategies: [String]?
        var marketData: MarketData
        var lastTradeTime: Date?
        var uptimeSeconds: Double
        var checkedAt: Date

        enum CodingKeys: String, CodingKey {
            case status, trading, strategies
            case tradingActive = "trading_active"
            case strategiesRunning = "strategies_running"
            case marketData = "market_data"
            case lastTradeTime = "last_trade_time"
            case uptimeSeconds = "uptime_seconds"
            case checkedAt = "checked_at"
        }
    }

    private struct StrategyList: Decodable {
        struct Strategy: Decodable {
            var id: String
            var enabled: Bool
        }
        var strategies: [Strategy]
    }

    func register(router: Router<KeelsonRequestContext>, viewer: RouterGroup<KeelsonRequestContext>) {
        router.get("ping") { _, _ in Ping() }
        router.get("health") { request, context -> Response in
            let health = await monitor.current(maxAge: settings.healthInterval * 2)
            let body = HealthBody(
                status: health.status, service: ServiceIdentity.gateway.rawValue, version: runtime.configuration.version,
                mode: runtime.configuration.mode.rawValue, uptimeSeconds: runtime.uptime, checkedAt: health.checkedAt, reasons: health.reasons
            )
            var response = try body.response(from: request, context: context)
            // Probes act on the status code: only an engine or database that cannot be reached is a failure.
            response.status = health.status == .unhealthy ? .serviceUnavailable : .ok
            return response
        }
        viewer.get("health/detailed") { request, context -> Response in
            let health = await monitor.checkNow(notBefore: .now)
            var response = try DetailedBody(version: runtime.configuration.version, uptimeSeconds: runtime.uptime, health: health)
                .response(from: request, context: context)
            response.status = health.status == .unhealthy ? .serviceUnavailable : .ok
            return response
        }
        viewer.get("api/v1/status") { _, _ -> StatusBody in
            async let list = try? strategies.get("/api/v1/strategies", as: StrategyList.self)
            let health = await monitor.current(maxAge: settings.healthInterval)
            let running = await list.map { $0.strategies.filter(\.enabled).map(\.id) }
            return StatusBody(
                status: health.status,
                trading: .init(
                    state: health.trading.state, reason: health.trading.reason, maintenance: health.trading.maintenance,
                    sessionID: health.trading.sessionID),
                tradingActive: health.trading.state == "active",
                strategiesRunning: running?.count, strategies: running,
                marketData: .init(connected: health.marketData.connected, ageSeconds: health.marketData.ageSeconds, stale: health.marketData.stale),
                lastTradeTime: health.trading.lastTradeTime, uptimeSeconds: runtime.uptime, checkedAt: health.checkedAt
            )
        }
    }
}
