import Foundation
import KeelsonIndicators

/// One model input, named so that a model is reproducible from its command line: `return:N`, `rsi:N`,
/// `macd_hist:F:S:G`, `bb_percent_b:N:K`, `atr_ratio:N`, `volume_z:N`, `hour`.
public enum FeatureName: Hashable, Sendable, CustomStringConvertible, Codable {
    /// close / close N bars ago − 1.
    case `return`(period: Int)
    case rsi(period: Int)
    /// MACD line − signal line.
    case macdHistogram(fast: Int, slow: Int, signal: Int)
    /// (close − lower band) / (upper − lower): 0 on the lower band, 1 on the upper.
    case bollingerPercentB(period: Int, k: Double)
    /// ATR / close: volatility as a fraction of price, comparable across price levels.
    case atrRatio(period: Int)
    case volumeZScore(period: Int)
    /// The UTC hour (0–23) in which the bar opened.
    case hour

    public static let usage = "return:N, rsi:N, macd_hist:F:S:G, bb_percent_b:N:K, atr_ratio:N, volume_z:N, hour"

    public init(parsing text: String) throws(ModelError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let kind = parts[0].lowercased()
        let arguments = Array(parts.dropFirst())
        func numbers(_ names: [String]) throws(ModelError) -> [Double] {
            guard arguments.count == names.count else {
                let shape = ([kind] + names).joined(separator: ":")
                throw ModelError("feature '\(trimmed)' is not \(shape); features are \(Self.usage)")
            }
            var values: [Double] = []
            for (name, argument) in zip(names, arguments) {
                guard let value = Double(argument), value.isFinite else {
                    throw ModelError("feature '\(trimmed)': \(name) '\(argument)' is not a number")
                }
                values.append(value)
            }
            return values
        }
        func whole(_ value: Double, _ name: String) throws(ModelError) -> Int {
            guard value == value.rounded(), (1...10_000).contains(value) else {
                throw ModelError("feature '\(trimmed)': \(name) must be a whole number from 1 to 10000")
            }
            return Int(value)
        }
        switch kind {
        case "return": self = .return(period: try whole(try numbers(["N"])[0], "N"))
        case "rsi": self = .rsi(period: try whole(try numbers(["N"])[0], "N"))
        case "macd_hist":
            let values = try numbers(["F", "S", "G"])
            self = .macdHistogram(fast: try whole(values[0], "F"), slow: try whole(values[1], "S"), signal: try whole(values[2], "G"))
        case "bb_percent_b":
            let values = try numbers(["N", "K"])
            self = .bollingerPercentB(period: try whole(values[0], "N"), k: values[1])
        case "atr_ratio": self = .atrRatio(period: try whole(try numbers(["N"])[0], "N"))
        case "volume_z": self = .volumeZScore(period: try whole(try numbers(["N"])[0], "N"))
        case "hour":
            guard arguments.isEmpty else { throw ModelError("feature '\(trimmed)': hour takes no arguments") }
            self = .hour
        default:
            throw ModelError("unknown feature '\(trimmed)'; features are \(Self.usage)")
        }
        // Building the computer checks the periods the way the indicators do (e.g. RSI needs 2 or more).
        _ = try FeatureComputer.column(for: self)
    }

    /// Parses a comma-separated list, refusing an empty list and a feature named twice.
    public static func list(parsing text: String) throws(ModelError) -> [FeatureName] {
        var names: [FeatureName] = []
        for entry in text.split(separator: ",") where !entry.trimmingCharacters(in: .whitespaces).isEmpty {
            let name = try FeatureName(parsing: String(entry))
            guard !names.contains(name) else { throw ModelError("feature '\(name)' is listed twice; list each feature once") }
            names.append(name)
        }
        guard !names.isEmpty else { throw ModelError("no features given; list one or more of \(usage)") }
        return names
    }

    /// The canonical spelling, which `init(parsing:)` reads back to the same feature.
    public var description: String {
        switch self {
        case let .return(period): "return:\(period)"
        case let .rsi(period): "rsi:\(period)"
        case let .macdHistogram(fast, slow, signal): "macd_hist:\(fast):\(slow):\(signal)"
        case let .bollingerPercentB(period, k): "bb_percent_b:\(period):\(Self.compact(k))"
        case let .atrRatio(period): "atr_ratio:\(period)"
        case let .volumeZScore(period): "volume_z:\(period)"
        case .hour: "hour"
        }
    }

    private static func compact(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try FeatureName(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
