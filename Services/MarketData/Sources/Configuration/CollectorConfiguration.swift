import Foundation
import KeelsonDomain
import KeelsonMarketData
import KeelsonServiceKit

/// What the collector collects, from the environment (docs/CONFIGURATION.md). The default is the paper-trading
/// setup of `make run`: the shipped sample files of BTCUSDT and ETHUSDT replayed at 60× real time.
public struct CollectorConfiguration: Sendable {
    public enum ProviderKind: String, Sendable, CaseIterable { case replay, synthetic }

    public var provider: any MarketDataProvider
    public var exchange: String
    public var symbols: [Symbol]
    public var interval: CandleInterval
    /// How far back an empty store is backfilled from a provider that has history up to now (synthetic, exchanges).
    public var backfillWindow: TimeInterval
    /// Replay at full speed is written in batches; a paced feed is written candle by candle as each closes.
    public var batchSize: Int
    public var subscribers: [ServiceIdentity]

    public init(
        provider: any MarketDataProvider, exchange: String, symbols: [Symbol], interval: CandleInterval,
        backfillWindow: TimeInterval = 2 * 86_400, batchSize: Int = 1, subscribers: [ServiceIdentity] = [.signals]
    ) {
        self.provider = provider
        self.exchange = exchange
        self.symbols = symbols
        self.interval = interval
        self.backfillWindow = backfillWindow
        self.batchSize = batchSize
        self.subscribers = subscribers
    }

    public static let defaultReplayFiles = "BTCUSDT=data/sample/BTCUSDT-1m.csv,ETHUSDT=data/sample/ETHUSDT-1m.csv"

    public static func load(environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) -> CollectorConfiguration {
        let kind = try environment.choice("KEELSON_MARKETDATA_PROVIDER", as: ProviderKind.self) ?? .replay
        let intervalText = environment.string("KEELSON_INTERVAL") ?? "1m"
        let interval: CandleInterval
        do { interval = try CandleInterval(parsing: intervalText) } catch {
            throw ConfigurationError(variable: "KEELSON_INTERVAL", problem: "'\(intervalText)' is not allowed; expected one of \(CandleInterval.allowedList)")
        }
        let subscribers = try parseSubscribers(environment.string("KEELSON_CANDLE_SUBSCRIBERS") ?? "signals,engine")
        switch kind {
        case .replay:
            let speedText = environment.string("KEELSON_REPLAY_SPEED") ?? "60x"
            let speed: ReplayProvider.Speed
            do { speed = try ReplayProvider.Speed(parsing: speedText) } catch {
                throw ConfigurationError(variable: "KEELSON_REPLAY_SPEED", problem: "'\(speedText)' is not allowed; expected max, or a positive factor such as 60x")
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
        case .synthetic:
            let hoursText = environment.string("KEELSON_BACKFILL_HOURS") ?? "48"
            guard let hours = Int(hoursText), (1...24 * 365).contains(hours) else {
                throw ConfigurationError(variable: "KEELSON_BACKFILL_HOURS", problem: "'\(hoursText)' is not allowed; expected a whole number of hours from 1 to 8760")
            }
            let seedText = environment.string("KEELSON_SYNTHETIC_SEED") ?? "42"
            guard let seed = UInt64(seedText) else {
                throw ConfigurationError(variable: "KEELSON_SYNTHETIC_SEED", problem: "'\(seedText)' is not a seed; expected a whole number ≥ 0")
            }
            let symbols = try parseSymbols(environment.string("KEELSON_SYMBOLS") ?? "BTCUSDT,ETHUSDT")
            let provider = SyntheticProvider(seed: seed)
            return CollectorConfiguration(
                provider: provider, exchange: provider.exchange, symbols: symbols, interval: interval,
                backfillWindow: TimeInterval(hours * 3_600), subscribers: subscribers
            )
        }
    }

    static func parseSubscribers(_ text: String) throws(ConfigurationError) -> [ServiceIdentity] {
        var result: [ServiceIdentity] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty && name != "none" {
            // Only these two take closed candles (POST /internal/v1/candles).
            guard let service = ServiceIdentity(rawValue: name), service == .signals || service == .engine else {
                throw ConfigurationError(variable: "KEELSON_CANDLE_SUBSCRIBERS", problem: "'\(name)' is not a subscriber; expected a comma-separated list of signals, engine (or none)")
            }
            result.append(service)
        }
        return result
    }

    static func parseSymbols(_ text: String) throws(ConfigurationError) -> [Symbol] {
        var result: [Symbol] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let symbol = Symbol(rawValue: name) else {
                throw ConfigurationError(variable: "KEELSON_SYMBOLS", problem: "'\(name)' is not a symbol; expected upper-case names such as BTCUSDT,ETHUSDT")
            }
            result.append(symbol)
        }
        guard !result.isEmpty else { throw ConfigurationError(variable: "KEELSON_SYMBOLS", problem: "is empty; list at least one symbol such as BTCUSDT") }
        return result
    }

    static func parseFiles(_ text: String) throws(ConfigurationError) -> [Symbol: String] {
        var files: [Symbol: String] = [:]
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let symbol = Symbol(rawValue: parts[0]), !parts[1].isEmpty else {
                throw ConfigurationError(variable: "KEELSON_REPLAY_FILES", problem: "'\(entry)' is not SYMBOL=PATH; expected e.g. BTCUSDT=data/sample/BTCUSDT-1m.csv")
            }
            files[symbol] = parts[1]
        }
        guard !files.isEmpty else { throw ConfigurationError(variable: "KEELSON_REPLAY_FILES", problem: "is empty; expected SYMBOL=PATH pairs") }
        return files
    }
}
