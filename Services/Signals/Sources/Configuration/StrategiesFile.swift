import Foundation
import KeelsonDomain
import KeelsonModels
import KeelsonPortfolio
import KeelsonServiceKit
import KeelsonStrategies

/// `config/strategies.json`: the strategies the signal service runs. Refused at start, naming the offending
/// key, when anything in it is wrong.
///
/// ```json
/// {"strategies": [{"id": "btc_sma", "strategy": "sma_crossover", "symbols": ["BTCUSDT"], "interval": "1m",
///                  "parameters": {"fast": 10, "slow": 30}, "enabled": true}]}
/// ```
/// An `ml_classifier` entry names its model instead of a model id: `"model": "btc_direction"` trades on the active
/// version of that registry name.
public enum StrategiesFile {
    public static let variable = "KEELSON_STRATEGIES_FILE"
    public static let defaultPath = "config/strategies.json"

    /// The instances and the lifecycle rules of the file.
    public struct Contents: Sendable {
        public var instances: [StrategyInstance]
        public var rules: StrategyLifecycleRules
    }

    public static func load(environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) -> Contents {
        let path = environment.string(variable) ?? defaultPath
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError(
                variable: variable, problem: "cannot read '\(path)'; create it (see docs/SIGNALS.md) or point \(variable) at one")
        }
        return try parseContents(data, source: path)
    }

    public static func parse(_ data: Data, source: String) throws(ConfigurationError) -> [StrategyInstance] {
        try parseContents(data, source: source).instances
    }

    public static func parseContents(_ data: Data, source: String) throws(ConfigurationError) -> Contents {
        let file: FileContents
        do {
            file = try JSONDecoder().decode(FileContents.self, from: data)
        } catch let error as EntryError {
            throw ConfigurationError(variable: source, problem: "\(error.key): \(error.problem)")
        } catch let error as DecodingError {
            throw ConfigurationError(variable: source, problem: describe(error))
        } catch {
            throw ConfigurationError(variable: source, problem: "is not valid JSON; expected {\"strategies\": [...]}")
        }
        var instances: [StrategyInstance] = []
        for (index, entry) in file.strategies.enumerated() {
            guard !instances.contains(where: { $0.id == entry.instance.id }) else {
                throw ConfigurationError(
                    variable: source, problem: "strategies[\(index)].id: '\(entry.instance.id)' is used twice; ids must be unique")
            }
            instances.append(entry.instance)
        }
        return Contents(instances: instances, rules: file.lifecycle?.rules ?? StrategyLifecycleRules())
    }

    private static func describe(_ error: DecodingError) -> String {
        let context: DecodingError.Context
        let problem: String
        switch error {
        case .keyNotFound(let key, let keyContext):
            return "\(path(keyContext.codingPath + [key])): missing"
        case .typeMismatch(let type, let mismatch):
            context = mismatch
            problem = "has the wrong type; expected \(type == Double.self ? "a number" : type == Bool.self ? "true or false" : "\(type)")"
        case .valueNotFound(_, let notFound):
            context = notFound
            problem = "must not be null"
        case .dataCorrupted(let corrupted):
            context = corrupted
            problem = context.codingPath.isEmpty ? "is not valid JSON; expected {\"strategies\": [...]}" : corrupted.debugDescription
        @unknown default:
            return "cannot be read"
        }
        return context.codingPath.isEmpty ? "(file) \(problem)" : "\(path(context.codingPath)): \(problem)"
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue { result += "[\(index)]" } else { result += (result.isEmpty ? "" : ".") + key.stringValue }
        }
        return result
    }

    struct EntryError: Error {
        var key: String
        var problem: String
    }

    struct FileContents: Decodable {
        var strategies: [Entry]
        var lifecycle: LifecycleEntry?
    }

    /// `"lifecycle": {"mode", "evaluate_every_seconds", "min_trades", "min_days", "promote": {…}, "probation": {…}, "retire": {…}}`;
    /// each threshold object takes `max_drawdown_percent`, `min_sharpe`, `min_win_rate` (0–1).
    struct LifecycleEntry: Decodable {
        var rules: StrategyLifecycleRules

        enum Keys: String, CodingKey, CaseIterable {
            case mode, promote, probation, retire, allocation
            case evaluateEverySeconds = "evaluate_every_seconds", minTrades = "min_trades", minDays = "min_days"
        }

        enum AllocationKeys: String, CodingKey, CaseIterable {
            case floorPercent = "floor_percent", capPercent = "cap_percent", probationWeight = "probation_weight", sharpeTilt = "sharpe_tilt"
        }

        enum ThresholdKeys: String, CodingKey, CaseIterable {
            case maxDrawdownPercent = "max_drawdown_percent", minSharpe = "min_sharpe", minWinRate = "min_win_rate"
        }

        init(from decoder: any Decoder) throws {
            try Entry.refuseUnknownKeys(decoder, allowed: Keys.allCases.map(\.rawValue))
            let container = try decoder.container(keyedBy: Keys.self)
            var rules = StrategyLifecycleRules()
            if let text = try container.decodeIfPresent(String.self, forKey: .mode) {
                guard let mode = StrategyLifecycleRules.Mode(rawValue: text) else {
                    throw EntryError(key: "lifecycle.mode", problem: "'\(text)' is not a mode; expected automatic or manual")
                }
                rules.mode = mode
            }
            if let seconds = try container.decodeIfPresent(Int.self, forKey: .evaluateEverySeconds) {
                guard (1...86_400).contains(seconds) else {
                    throw EntryError(key: "lifecycle.evaluate_every_seconds", problem: "\(seconds) is out of bounds; expected 1 to 86400")
                }
                rules.evaluationInterval = .seconds(seconds)
            }
            if let trades = try container.decodeIfPresent(Int.self, forKey: .minTrades) {
                guard trades >= 1 else { throw EntryError(key: "lifecycle.min_trades", problem: "\(trades) is out of bounds; expected 1 or more") }
                rules.minimumTrades = trades
            }
            if let days = try container.decodeIfPresent(Double.self, forKey: .minDays) {
                guard days >= 0 else { throw EntryError(key: "lifecycle.min_days", problem: "\(days) is out of bounds; expected 0 or more") }
                rules.minimumDays = days
            }
            for (key, path) in [(Keys.promote, \StrategyLifecycleRules.promotion), (.probation, \.probation), (.retire, \.retire)] {
                guard container.contains(key) else { continue }
                let name = "lifecycle.\(key.rawValue)"
                let nested = try container.superDecoder(forKey: key)
                try Entry.refuseUnknownKeys(nested, allowed: ThresholdKeys.allCases.map(\.rawValue), prefix: name)
                let values = try nested.container(keyedBy: ThresholdKeys.self)
                let drawdown = try values.decodeIfPresent(Double.self, forKey: .maxDrawdownPercent)
                let winRate = try values.decodeIfPresent(Double.self, forKey: .minWinRate)
                if let drawdown, !(drawdown > 0 && drawdown <= 100) {
                    throw EntryError(key: "\(name).max_drawdown_percent", problem: "\(drawdown) is out of bounds; expected above 0, at most 100")
                }
                if let winRate, !(0...1).contains(winRate) {
                    throw EntryError(key: "\(name).min_win_rate", problem: "\(winRate) is out of bounds; expected a fraction from 0 to 1")
                }
                rules[keyPath: path] = StrategyLifecycleRules.Thresholds(
                    maxDrawdownPercent: drawdown, minSharpe: try values.decodeIfPresent(Double.self, forKey: .minSharpe), minWinRate: winRate)
            }
            if container.contains(.allocation) {
                let nested = try container.superDecoder(forKey: .allocation)
                try Entry.refuseUnknownKeys(nested, allowed: AllocationKeys.allCases.map(\.rawValue), prefix: "lifecycle.allocation")
                let values = try nested.container(keyedBy: AllocationKeys.self)
                let bounds: [(AllocationKeys, ClosedRange<Double>, String)] = [
                    (.floorPercent, 0...100, "a percentage from 0 to 100"), (.capPercent, 1...100, "a percentage from 1 to 100"),
                    (.probationWeight, 0...1, "a fraction from 0 to 1"), (.sharpeTilt, 0...1, "a number from 0 to 1"),
                ]
                var given: [AllocationKeys: Double] = [:]
                for (key, range, expected) in bounds {
                    guard let value = try values.decodeIfPresent(Double.self, forKey: key) else { continue }
                    guard range.contains(value) else {
                        throw EntryError(key: "lifecycle.allocation.\(key.rawValue)", problem: "\(value) is out of bounds; expected \(expected)")
                    }
                    given[key] = value
                }
                let defaults = CapitalAllocator()
                rules.allocator = CapitalAllocator(
                    floorShare: given[.floorPercent].map { $0 / 100 } ?? defaults.floorShare,
                    capShare: given[.capPercent].map { $0 / 100 } ?? defaults.capShare,
                    probationWeight: given[.probationWeight] ?? defaults.probationWeight, sharpeTilt: given[.sharpeTilt] ?? defaults.sharpeTilt)
                guard rules.allocator.floorShare <= rules.allocator.capShare else {
                    throw EntryError(key: "lifecycle.allocation.floor_percent", problem: "is above cap_percent; the floor must not exceed the cap")
                }
            }
            self.rules = rules
        }
    }

    struct Entry: Decodable {
        var instance: StrategyInstance

        enum Keys: String, CodingKey, CaseIterable { case id, strategy, symbols, interval, parameters, enabled, lifecycle, model }

        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        static func refuseUnknownKeys(_ decoder: any Decoder, allowed: [String], prefix: String? = nil) throws {
            let key = prefix ?? StrategiesFile.path(decoder.codingPath)
            for name in try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted() where !allowed.contains(name) {
                throw EntryError(key: "\(key).\(name)", problem: "unknown key; allowed: \(allowed.joined(separator: ", "))")
            }
        }

        init(from decoder: any Decoder) throws {
            let key = StrategiesFile.path(decoder.codingPath)
            try Self.refuseUnknownKeys(decoder, allowed: Keys.allCases.map(\.rawValue))
            let container = try decoder.container(keyedBy: Keys.self)
            let id = try container.decode(String.self, forKey: .id)
            guard StrategyInstanceID.isValid(id) else {
                throw EntryError(key: "\(key).id", problem: "'\(id)' must be \(StrategyInstanceID.rule)")
            }
            let name = try container.decode(String.self, forKey: .strategy)
            let type: any Strategy.Type
            do { type = try StrategyCatalog.type(named: name) } catch { throw EntryError(key: "\(key).strategy", problem: error.description) }
            let symbolTexts = try container.decode([String].self, forKey: .symbols)
            guard !symbolTexts.isEmpty else {
                throw EntryError(key: "\(key).symbols", problem: "is empty; list at least one symbol such as \"BTCUSDT\"")
            }
            var symbols: [Symbol] = []
            for (index, text) in symbolTexts.enumerated() {
                do { symbols.append(try Symbol(parsing: text)) } catch {
                    throw EntryError(key: "\(key).symbols[\(index)]", problem: error.description)
                }
            }
            let intervalText = try container.decode(String.self, forKey: .interval)
            let interval: CandleInterval
            do { interval = try CandleInterval(parsing: intervalText) } catch { throw EntryError(key: "\(key).interval", problem: error.description) }
            let given = try container.decodeIfPresent([String: Double].self, forKey: .parameters) ?? [:]
            let model = try Self.modelName(container, strategy: name, given: given, key: key)
            let parameters: StrategyParameters
            do {
                parameters = try StrategyParameters(strategy: name, specs: type.parameterSpecs, given: given)
                if model == nil { _ = try type.init(parameters: parameters) } else { try MLClassifier.validate(parameters) }
            } catch {
                throw EntryError(key: "\(key).parameters", problem: error.description)
            }
            let enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
            let lifecycle = try container.decodeIfPresent(String.self, forKey: .lifecycle) ?? StrategyStatus.active.rawValue
            guard let initialStatus = StrategyStatus(rawValue: lifecycle), [.candidate, .active].contains(initialStatus) else {
                throw EntryError(key: "\(key).lifecycle", problem: "'\(lifecycle)' is not a starting state; expected candidate or active")
            }
            instance = StrategyInstance(
                id: id, strategy: name, symbols: symbols, interval: interval, parameters: parameters, enabled: enabled, initialStatus: initialStatus,
                model: model)
        }

        /// `model`: required for ml_classifier (a registry name, whose active version is served), refused elsewhere.
        static func modelName(_ container: KeyedDecodingContainer<Keys>, strategy: String, given: [String: Double], key: String) throws -> String? {
            let model = try container.decodeIfPresent(String.self, forKey: .model)
            guard strategy == MLClassifier.name else {
                guard model == nil else { throw EntryError(key: "\(key).model", problem: "only an ml_classifier entry names a model") }
                return nil
            }
            guard given["model"] == nil else {
                throw EntryError(
                    key: "\(key).parameters.model",
                    problem: "the service trades on the active version of a model name; give \"model\": \"NAME\" (keelson model list) instead")
            }
            guard let model else {
                throw EntryError(key: "\(key).model", problem: "missing; name the registry model to trade on, e.g. \"model\": \"btc_direction\"")
            }
            guard ModelName.isValid(model) else { throw EntryError(key: "\(key).model", problem: "'\(model)' must be \(ModelName.rule)") }
            return model
        }
    }
}
