import Foundation
import KeelsonDomain
import KeelsonMarketData
import KeelsonServiceKit

/// What the collector collects, from the environment (docs/CONFIGURATION.md). The default is the paper-trading
/// setup of `make run`: the shipped sample files of BTCUSDT and ETHUSDT replayed at 60× real time.
public struct CollectorConfiguration: Sendable {
    public enum ProviderKind: String, Sendable, CaseIterable { case replay, synthetic, binance, coinbase }

    /// Where candles come from.
    public var primary: MarketDataSource
    /// Takes over the same symbols while the primary's circuit breaker is open; nil for none.
    public var backup: MarketDataSource?
    public var symbols: [Symbol]
    public var interval: CandleInterval
    /// How far back an empty store is backfilled from a provider that has history up to now (synthetic, exchanges).
    public var backfillWindow: TimeInterval
    /// Replay at full speed is written in batches; a paced feed is written candle by candle as each closes.
    public var batchSize: Int
    public var subscribers: [ServiceIdentity]
    /// The market's clock: what "now" is for backfills and gap checks (tests pass a fake exchange's).
    public var now: @Sendable () -> Date
    /// How often the collector looks at the primary's breaker to fail over to the backup and back.
    public var breakerCheckInterval: Duration
    /// Candles kept in memory per series for reads (`KEELSON_CANDLE_CACHE_SIZE`, 1,000): the newest of each.
    public var cacheCapacity = 1_000

    public var provider: any MarketDataProvider { primary.provider }
    public var exchange: String { primary.exchange }

    /// - Parameter breaker: the breaker of the exchange `provider` calls (`MarketDataSource.exchangeBreaker`).
    public init(
        provider: any MarketDataProvider, exchange: String, breaker: CircuitBreaker? = nil, backup: MarketDataSource? = nil,
        symbols: [Symbol], interval: CandleInterval, backfillWindow: TimeInterval = 2 * 86_400, batchSize: Int = 1,
        subscribers: [ServiceIdentity] = [.signals], now: @escaping @Sendable () -> Date = { .now }, breakerCheckInterval: Duration = .seconds(1)
    ) {
        self.primary = MarketDataSource(provider: provider, exchange: exchange, exchangeBreaker: breaker)
        self.backup = backup
        self.symbols = symbols
        self.interval = interval
        self.backfillWindow = backfillWindow
        self.batchSize = batchSize
        self.subscribers = subscribers
        self.now = now
        self.breakerCheckInterval = breakerCheckInterval
    }

    public static let defaultReplayFiles = "BTCUSDT=data/sample/BTCUSDT-1m.csv,ETHUSDT=data/sample/ETHUSDT-1m.csv"

    public static func load(environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) -> CollectorConfiguration {
        var configuration = try loadSources(environment: environment)
        if let text = environment.string("KEELSON_CANDLE_CACHE_SIZE") {
            guard let size = Int(text), (10...1_000_000).contains(size) else {
                throw ConfigurationError(
                    variable: "KEELSON_CANDLE_CACHE_SIZE", problem: "'\(text)' is not allowed; expected a whole number of candles from 10 to 1000000")
            }
            configuration.cacheCapacity = size
        }
        return configuration
    }

    private static func loadSources(environment: EnvironmentReader) throws(ConfigurationError) -> CollectorConfiguration {
        let kind = try environment.choice("KEELSON_MARKETDATA_PROVIDER", as: ProviderKind.self) ?? .replay
        let intervalText = environment.string("KEELSON_INTERVAL") ?? "1m"
        let interval: CandleInterval
        do { interval = try CandleInterval(parsing: intervalText) } catch {
            throw ConfigurationError(
                variable: "KEELSON_INTERVAL", problem: "'\(intervalText)' is not allowed; expected one of \(CandleInterval.allowedList)")
        }
        let subscribers = try parseSubscribers(environment.string("KEELSON_CANDLE_SUBSCRIBERS") ?? "signals,engine")
        let backupKind = try parseBackup(environment.string("KEELSON_MARKETDATA_BACKUP_PROVIDER"), primary: kind)
        switch kind {
        case .replay:
            let speedText = environment.string("KEELSON_REPLAY_SPEED") ?? "300x"
            let speed: ReplayProvider.Speed
            do { speed = try ReplayProvider.Speed(parsing: speedText) } catch {
                throw ConfigurationError(
                    variable: "KEELSON_REPLAY_SPEED", problem: "'\(speedText)' is not allowed; expected max, or a positive factor such as 60x")
            }
            let files = try parseFiles(environment.string("KEELSON_REPLAY_FILES") ?? defaultReplayFiles)
            let provider: ReplayProvider
            do { provider = try ReplayProvider.load(files: files, interval: interval, speed: speed) } catch {
                throw ConfigurationError(variable: "KEELSON_REPLAY_FILES", problem: error.description)
            }
            return CollectorConfiguration(
                provider: provider, exchange: provider.exchange, symbols: files.keys.sorted(), interval: interval,
                batchSize: speed == .asFastAsPossible ? 1_000 : 1, subscribers: subscribers
            )
        case .synthetic, .binance, .coinbase:
            let hoursText = environment.string("KEELSON_BACKFILL_HOURS") ?? "48"
            guard let hours = Int(hoursText), (1...24 * 365).contains(hours) else {
                throw ConfigurationError(
                    variable: "KEELSON_BACKFILL_HOURS", problem: "'\(hoursText)' is not allowed; expected a whole number of hours from 1 to 8760")
            }
            let symbols = try parseSymbols(environment.string("KEELSON_SYMBOLS") ?? "BTCUSDT,ETHUSDT")
            let primary = try MarketDataSource.load(kind, symbols: symbols, interval: interval, environment: environment)
            let backup = try backupKind.map { kind throws(ConfigurationError) in
                try MarketDataSource.load(kind, symbols: symbols, interval: interval, environment: environment)
            }
            return CollectorConfiguration(
                provider: primary.provider, exchange: primary.exchange, breaker: primary.exchangeBreaker, backup: backup, symbols: symbols,
                interval: interval, backfillWindow: TimeInterval(hours * 3_600), subscribers: subscribers
            )
        }
    }

    /// A backup serves live markets only, and must be another provider than the primary.
    static func parseBackup(_ text: String?, primary: ProviderKind) throws(ConfigurationError) -> ProviderKind? {
        let variable = "KEELSON_MARKETDATA_BACKUP_PROVIDER"
        guard let text, text.lowercased() != "none" else { return nil }
        let allowed = "synthetic, binance, coinbase (or none)"
        guard let kind = ProviderKind(rawValue: text.lowercased()), kind != .replay else {
            throw ConfigurationError(variable: variable, problem: "'\(text)' is not allowed; expected one of: \(allowed)")
        }
        guard primary != .replay else {
            throw ConfigurationError(
                variable: variable,
                problem:
                    "a replay has no live market to fail over from; unset it, or set KEELSON_MARKETDATA_PROVIDER to binance, coinbase or synthetic")
        }
        guard kind != primary else {
            throw ConfigurationError(variable: variable, problem: "'\(text)' is the primary provider too; expected another one of: \(allowed)")
        }
        return kind
    }

    static func parseSubscribers(_ text: String) throws(ConfigurationError) -> [ServiceIdentity] {
        var result: [ServiceIdentity] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty && name != "none" {
            // Only these two take closed candles (POST /internal/v1/candles).
            guard let service = ServiceIdentity(rawValue: name), service == .signals || service == .engine else {
                throw ConfigurationError(
                    variable: "KEELSON_CANDLE_SUBSCRIBERS",
                    problem: "'\(name)' is not a subscriber; expected a comma-separated list of signals, engine (or none)")
            }
            result.append(service)
        }
        return result
    }

    static func parseSymbols(_ text: String) throws(ConfigurationError) -> [Symbol] {
        var result: [Symbol] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let symbol = Symbol(rawValue: name) else {
                throw ConfigurationError(
                    variable: "KEELSON_SYMBOLS", problem: "'\(name)' is not a symbol; expected upper-case names such as BTCUSDT,ETHUSDT")
            }
            result.append(symbol)
        }
        guard !result.isEmpty else {
            throw ConfigurationError(variable: "KEELSON_SYMBOLS", problem: "is empty; list at least one symbol such as BTCUSDT")
        }
        return result
    }

    static func parseFiles(_ text: String) throws(ConfigurationError) -> [Symbol: String] {
        var files: [Symbol: String] = [:]
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let symbol = Symbol(rawValue: parts[0]), !parts[1].isEmpty else {
                throw ConfigurationError(
                    variable: "KEELSON_REPLAY_FILES", problem: "'\(entry)' is not SYMBOL=PATH; expected e.g. BTCUSDT=data/sample/BTCUSDT-1m.csv")
            }
            files[symbol] = parts[1]
        }
        guard !files.isEmpty else { throw ConfigurationError(variable: "KEELSON_REPLAY_FILES", problem: "is empty; expected SYMBOL=PATH pairs") }
        return files
    }
}
