import ArgumentParser
import Foundation
import KeelsonDomain
import KeelsonMarketData

/// Parsing shared by the `keelson data` commands: symbols, intervals, times and providers, each refused
/// with a sentence that says what is allowed.
enum MarketDataArguments {
    static func symbols(_ text: String) throws -> [Symbol] {
        let symbols = try text.split(separator: ",").map { try symbol(String($0).trimmingCharacters(in: .whitespaces)) }
        guard !symbols.isEmpty else { throw CLIError("--symbols is empty; give e.g. BTCUSDT,ETHUSDT", exitCode: 2) }
        return symbols
    }

    static func symbol(_ text: String) throws -> Symbol {
        do { return try Symbol(parsing: text) } catch { throw CLIError(error.description, exitCode: 2) }
    }

    static func interval(_ text: String) throws -> CandleInterval {
        do { return try CandleInterval(parsing: text) } catch { throw CLIError(error.description, exitCode: 2) }
    }

    /// ISO-8601 date or date-time, or epoch milliseconds.
    static func time(_ text: String, option: String) throws -> Date {
        if text.allSatisfy(\.isNumber), let milliseconds = Int64(text) { return Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000) }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if text.count == 10, let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return date }
        throw CLIError("\(option) '\(text)' is not a time; expected ISO-8601 (2024-01-31 or 2024-01-31T09:30:00Z) or epoch milliseconds", exitCode: 2)
    }

    static func provider(_ name: String, seed: UInt64) throws -> any MarketDataProvider {
        switch name {
        case "synthetic": return SyntheticProvider(seed: seed)
        default:
            throw CLIError("unknown provider '\(name)'; available here: synthetic (replay files go through `keelson data import`)", exitCode: 2)
        }
    }
}
