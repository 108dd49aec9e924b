import Foundation
import KeelsonDomain
import KeelsonServiceKit
import KeelsonTrading

/// What the engine trades and under which limits. Autonomous mode needs three settings (max capital,
/// timeframe, symbols) and derives the rest from `RiskSettings.conservative`; expert mode
/// (`KEELSON_ENGINE_CONFIG`) reads every parameter from a JSON file and refuses one that is missing.
public struct EngineSettings: Sendable, Equatable {
    public enum Origin: String, Sendable { case autonomous, expert }

    public var origin: Origin
    public var maxCapital: Decimal
    public var timeframe: CandleInterval
    public var symbols: [Symbol]
    /// The exchange name candles are stored under (the collector's provider: replay, synthetic, binance).
    public var marketExchange: String
    public var risk: RiskSettings
    public var execution: ExecutionModel
    public var symbolRules: [Symbol: SymbolRules]
    /// Signals older than this (by when they were stored) are recorded as stale and not traded.
    public var signalMaxAge: Duration
    /// How often the leader checks for signals and candles it was not sent, and standbys retry the lock.
    public var pollInterval: Duration
    /// Live mode: how often the account is compared with the books while trading (`KEELSON_RECONCILE_INTERVAL`).
    public var reconcileInterval: Duration = .seconds(300)
    /// Live mode: an asset's balance moving outside Keelson by more than this percentage of it between two comparisons
    /// is a `balance_change` finding, which alerts (`KEELSON_RECONCILE_BALANCE_CHANGE_PERCENT`).
    public var balanceChangeAlertPercent: Decimal = 5
    /// Live mode: the stop-loss each position keeps resting on the exchange.
    public var restingStops = RestingStopSettings()
    /// `balanceChangeAlertPercent` as a fraction.
    var balanceChangeThreshold: Decimal { balanceChangeAlertPercent / 100 }

    public init(
        origin: Origin, maxCapital: Decimal, timeframe: CandleInterval, symbols: [Symbol], marketExchange: String, risk: RiskSettings,
        execution: ExecutionModel, symbolRules: [Symbol: SymbolRules] = [:], signalMaxAge: Duration = .seconds(300),
        pollInterval: Duration = .seconds(1)
    ) {
        self.origin = origin
        self.maxCapital = maxCapital
        self.timeframe = timeframe
        self.symbols = symbols
        self.marketExchange = marketExchange
        self.risk = risk
        self.execution = execution
        self.symbolRules = symbolRules
        self.signalMaxAge = signalMaxAge
        self.pollInterval = pollInterval
    }

    public static func autonomous(maxCapital: Decimal, timeframe: CandleInterval, symbols: [Symbol], marketExchange: String = "replay")
        -> EngineSettings
    {
        EngineSettings(
            origin: .autonomous, maxCapital: maxCapital, timeframe: timeframe, symbols: symbols, marketExchange: marketExchange,
            risk: .conservative(maxCapital: maxCapital), execution: .standard
        )
    }

    public func rules(for symbol: Symbol) -> SymbolRules { symbolRules[symbol] ?? .defaultSpot }

    /// The settings as stored with the trading session, so a session says what it traded under.
    var json: String {
        let file = TradingSettingsFile(
            maxCapital: maxCapital, timeframe: timeframe.rawValue, symbols: symbols.map(\.rawValue), risk: risk, execution: execution,
            symbolRules: Dictionary(uniqueKeysWithValues: symbolRules.map { ($0.key.rawValue, $0.value) })
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? String(decoding: encoder.encode(file), as: UTF8.self)) ?? "{}"
        return "{\"origin\":\"\(origin.rawValue)\",\"settings\":\(body)}"
    }

    /// Live mode's stops on the exchange: whether positions keep one (`KEELSON_RESTING_STOPS`, on), how far below the
    /// stop its limit is (`KEELSON_RESTING_STOP_LIMIT_BPS`, 50), and how often a trailing stop may be moved up by
    /// cancel-and-replace (`KEELSON_RESTING_STOP_REPLACE_SECONDS`, 60).
    public struct RestingStopSettings: Sendable, Equatable {
        public var enabled = true
        public var limitOffsetBps: Decimal = 50
        public var replaceInterval: Duration = .seconds(60)

        public init() {}
    }

    // MARK: Loading

    public static func load(environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) -> EngineSettings {
        let exchange = environment.string("KEELSON_MARKETDATA_PROVIDER")?.lowercased() ?? "replay"
        var settings: EngineSettings
        if let path = environment.string("KEELSON_ENGINE_CONFIG") {
            settings = try loadExpert(path: path, exchange: exchange)
        } else {
            let capitalText = environment.string("KEELSON_MAX_CAPITAL") ?? "10000"
            guard let capital = Decimal(string: capitalText), capital > 0, capitalText.allSatisfy({ $0.isNumber || $0 == "." }) else {
                throw ConfigurationError(
                    variable: "KEELSON_MAX_CAPITAL",
                    problem: "'\(capitalText)' is not an amount; expected a positive number of quote currency, e.g. 10000")
            }
            let timeframe = try parseTimeframe(
                environment.string("KEELSON_TIMEFRAME") ?? environment.string("KEELSON_INTERVAL") ?? "1m", variable: "KEELSON_TIMEFRAME")
            let symbols = try parseSymbols(environment.string("KEELSON_SYMBOLS") ?? "BTCUSDT,ETHUSDT", variable: "KEELSON_SYMBOLS")
            settings = .autonomous(maxCapital: capital, timeframe: timeframe, symbols: symbols, marketExchange: exchange)
        }
        if let text = environment.string("KEELSON_SIGNAL_MAX_AGE_SECONDS") {
            guard let seconds = Int(text), seconds > 0 else {
                throw ConfigurationError(
                    variable: "KEELSON_SIGNAL_MAX_AGE_SECONDS", problem: "'\(text)' is not allowed; expected a whole number of seconds above 0")
            }
            settings.signalMaxAge = .seconds(seconds)
        }
        if let poll = try environment.duration("KEELSON_ENGINE_POLL_MS") { settings.pollInterval = poll }
        settings.reconcileInterval = try environment.interval("KEELSON_RECONCILE_INTERVAL") ?? settings.reconcileInterval
        if let text = environment.string("KEELSON_RESTING_STOPS") {
            guard let enabled = ["on": true, "off": false][text.lowercased()] else {
                throw ConfigurationError(variable: "KEELSON_RESTING_STOPS", problem: "'\(text)' is not allowed; expected on or off")
            }
            settings.restingStops.enabled = enabled
        }
        if let text = environment.string("KEELSON_RESTING_STOP_LIMIT_BPS") {
            guard let bps = Decimal(string: text), text.allSatisfy({ $0.isNumber || $0 == "." }), bps > 0, bps < 1_000 else {
                throw ConfigurationError(
                    variable: "KEELSON_RESTING_STOP_LIMIT_BPS",
                    problem: "'\(text)' is not allowed; expected basis points above 0 and below 1000, e.g. 50 (0.5 % below the stop)")
            }
            settings.restingStops.limitOffsetBps = bps
        }
        if let text = environment.string("KEELSON_RESTING_STOP_REPLACE_SECONDS") {
            guard let seconds = Int(text), seconds >= 0, seconds <= 86_400 else {
                throw ConfigurationError(
                    variable: "KEELSON_RESTING_STOP_REPLACE_SECONDS", problem: "'\(text)' is not allowed; expected whole seconds from 0 to 86400")
            }
            settings.restingStops.replaceInterval = .seconds(seconds)
        }
        if let text = environment.string("KEELSON_RECONCILE_BALANCE_CHANGE_PERCENT") {
            guard let percent = Decimal(string: text), text.allSatisfy({ $0.isNumber || $0 == "." }), percent > 0, percent <= 100 else {
                throw ConfigurationError(
                    variable: "KEELSON_RECONCILE_BALANCE_CHANGE_PERCENT",
                    problem: "'\(text)' is not allowed; expected a percentage above 0 and at most 100, e.g. 5")
            }
            settings.balanceChangeAlertPercent = percent
        }
        return settings
    }

    /// `300`, `300s`, `5m`, `1h` or `500ms`: from 100 ms to a day.
    static func parseTimeframe(_ text: String, variable: String) throws(ConfigurationError) -> CandleInterval {
        guard let interval = CandleInterval(rawValue: text) else {
            throw ConfigurationError(variable: variable, problem: "'\(text)' is not allowed; expected one of \(CandleInterval.allowedList)")
        }
        return interval
    }

    static func parseSymbols(_ text: String, variable: String) throws(ConfigurationError) -> [Symbol] {
        var symbols: [Symbol] = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces).uppercased()
            guard let symbol = Symbol(rawValue: name) else {
                throw ConfigurationError(
                    variable: variable, problem: "'\(part)' is not a symbol; expected a comma-separated list such as BTCUSDT,ETHUSDT")
            }
            if !symbols.contains(symbol) { symbols.append(symbol) }
        }
        guard !symbols.isEmpty else { throw ConfigurationError(variable: variable, problem: "is empty; expected at least one symbol, e.g. BTCUSDT") }
        return symbols
    }

    static func loadExpert(path: String, exchange: String) throws(ConfigurationError) -> EngineSettings {
        let file: TradingSettingsFile.Settings
        do {
            file = try TradingSettingsFile.load(path: path)
        } catch {
            throw ConfigurationError(variable: "KEELSON_ENGINE_CONFIG", problem: error.problem)
        }
        return EngineSettings(
            origin: .expert, maxCapital: file.maxCapital, timeframe: file.timeframe, symbols: file.symbols, marketExchange: exchange,
            risk: file.risk, execution: file.execution, symbolRules: file.symbolRules
        )
    }
}
