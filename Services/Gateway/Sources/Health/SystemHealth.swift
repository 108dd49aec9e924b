import Foundation
import KeelsonServiceKit

/// The state of the whole system as the gateway last saw it, and the verdict people and probes read:
/// `unhealthy` when the engine or the database cannot be reached, `degraded` when trading is halted or a
/// non-critical part is down, `healthy` otherwise.
public struct SystemHealth: Sendable, Codable {
    public enum Status: String, Sendable, Codable { case healthy, degraded, unhealthy }

    public struct ServiceCheck: Sendable, Codable {
        var service: String
        var url: String
        var reachable: Bool
        var ready: Bool
        var role: String?
        var latencyMs: Double
        var reason: String?

        enum CodingKeys: String, CodingKey {
            case service, url, reachable, ready, role, reason
            case latencyMs = "latency_ms"
        }
    }

    public struct DatabaseCheck: Sendable, Codable {
        var reachable: Bool
        var schemaVersion: Int?
        var latencyMs: Double
        var reason: String?
        /// The newest recorded `keelson backup create`.
        var lastBackupAt: Date?

        enum CodingKeys: String, CodingKey {
            case reachable, reason
            case schemaVersion = "schema_version"
            case latencyMs = "latency_ms"
            case lastBackupAt = "last_backup_at"
        }
    }

    public struct TradingCheck: Sendable, Codable {
        var state: String?
        var reason: String?
        var sessionID: Int64?
        var maintenance: Bool
        var lastTradeTime: Date?

        enum CodingKeys: String, CodingKey {
            case state, reason, maintenance
            case sessionID = "session_id"
            case lastTradeTime = "last_trade_time"
        }
    }

    public struct MarketDataCheck: Sendable, Codable {
        var connected: Bool
        var provider: String?
        var providerStatus: String?
        /// Seconds since the collector last stored a candle.
        var ageSeconds: Double?
        var stale: Bool
        var lastError: String?

        enum CodingKeys: String, CodingKey {
            case connected, provider, stale
            case providerStatus = "provider_status"
            case ageSeconds = "age_seconds"
            case lastError = "last_error"
        }
    }

    public struct BreakerCheck: Sendable, Codable {
        var service: String
        var name: String
        var state: String
    }

    public var status: Status
    public var reasons: [String]
    public var checkedAt: Date
    public var services: [ServiceCheck]
    public var database: DatabaseCheck
    public var trading: TradingCheck
    public var marketData: MarketDataCheck
    public var circuitBreakers: [BreakerCheck]

    enum CodingKeys: String, CodingKey {
        case status, reasons, services, database, trading
        case checkedAt = "checked_at"
        case marketData = "market_data"
        case circuitBreakers = "circuit_breakers"
    }

    /// The verdict from the parts; `reasons` says in words what is wrong, worst first.
    static func assess(
        services: [ServiceCheck], database: DatabaseCheck, trading: TradingCheck, marketData: MarketDataCheck,
        circuitBreakers: [BreakerCheck], checkedAt: Date
    ) -> SystemHealth {
        var critical: [String] = []
        var degraded: [String] = []
        if !database.reachable {
            critical.append("PostgreSQL is unreachable: \(database.reason ?? "no answer")")
        } else if database.schemaVersion == nil {
            degraded.append("the database schema is not migrated yet")
        }
        for check in services {
            let name = "keelson-\(check.service)"
            if !check.reachable {
                if check.service == ServiceIdentity.engine.rawValue {
                    critical.append("\(name) is unreachable: \(check.reason ?? "no answer")")
                } else {
                    degraded.append("\(name) is unreachable: \(check.reason ?? "no answer")")
                }
            } else if !check.ready {
                degraded.append("\(name) is not ready: \(check.reason ?? "no reason given")")
            }
        }
        if let state = trading.state, state != "active" {
            degraded.append("trading is \(state)\(trading.reason.map { ": \($0)" } ?? "")")
        }
        if marketData.stale {
            degraded.append("market data is stale: \(marketData.ageSeconds.map { "nothing stored for \(Int($0)) s" } ?? "nothing stored yet")")
        }
        for breaker in circuitBreakers where breaker.state != CircuitBreaker.State.closed.rawValue {
            degraded.append("circuit breaker \(breaker.name) on keelson-\(breaker.service) is \(breaker.state)")
        }
        let status: Status = !critical.isEmpty ? .unhealthy : !degraded.isEmpty ? .degraded : .healthy
        return SystemHealth(
            status: status, reasons: critical + degraded, checkedAt: checkedAt, services: services, database: database,
            trading: trading, marketData: marketData, circuitBreakers: circuitBreakers
        )
    }
}
