import Foundation
import KeelsonFoundation
import Metrics
import Synchronization

/// What every client of one exchange in this process shares: the request-weight budget (limits are per IP)
/// and the circuit breaker (an exchange that keeps failing fails for market data and trading alike).
public struct ExchangeAccess: Sendable {
    /// The exchange's host and port, e.g. `api.binance.com:443`: the key and the metrics' `exchange` label.
    public let exchange: String
    public let budget: ExchangeRequestBudget
    public let breaker: CircuitBreaker

    public init(exchange: String, budget: ExchangeRequestBudget, breaker: CircuitBreaker) {
        self.exchange = exchange
        self.budget = budget
        self.breaker = breaker
    }

    /// A fresh budget and breaker (for a registry entry, or a test that wants its own).
    public init(exchange: String, weightLimit: Int = 6000, failureThreshold: Int = 5, openDuration: TimeInterval = 30) {
        let gauge = Gauge(label: "keelson_exchange_circuit_open", dimensions: [("exchange", exchange)])
        gauge.record(0)
        self.init(
            exchange: exchange,
            budget: ExchangeRequestBudget(exchange: exchange, weightLimit: weightLimit),
            breaker: CircuitBreaker(name: "exchange:\(exchange)", failureThreshold: failureThreshold, openDuration: openDuration) { open in
                gauge.record(open ? 1 : 0)
            }
        )
    }

    /// `host:port` of a base URL (the port defaulted from the scheme), so `https://api.binance.com` and
    /// `https://api.binance.com:443` share one entry while two local fakes on different ports do not.
    public static func exchangeKey(baseURL: String) -> String {
        guard let components = URLComponents(string: baseURL), let host = components.host?.lowercased() else {
            return baseURL.lowercased()
        }
        let port = components.port ?? (components.scheme?.lowercased() == "http" ? 80 : 443)
        return "\(host):\(port)"
    }
}

/// The process-wide `ExchangeAccess` per exchange host. Clients look their exchange up here by default, so
/// a market-data client and a trading client created in different places still share one budget and one
/// breaker; pass an `ExchangeAccess` explicitly only to isolate a test.
public enum ExchangeAccessRegistry {
    private static let entries = Mutex<[String: ExchangeAccess]>([:])

    /// Makes `access` the one every later client of the exchange at `baseURL` shares (a test that needs a breaker with a
    /// short cool-down); clients made before keep theirs.
    public static func install(_ access: ExchangeAccess, for baseURL: String) {
        entries.withLock { $0[ExchangeAccess.exchangeKey(baseURL: baseURL)] = access }
    }

    /// The shared access for the exchange at `baseURL`, created on first use.
    public static func access(for baseURL: String) -> ExchangeAccess {
        let key = ExchangeAccess.exchangeKey(baseURL: baseURL)
        return entries.withLock { entries in
            if let existing = entries[key] { return existing }
            let access = ExchangeAccess(exchange: key)
            entries[key] = access
            return access
        }
    }
}
