import Foundation
import KeelsonFoundation

/// A file holding a Binance API key and secret, for secret stores that mount files rather than set variables.
/// Either `name=value` lines — `api_key` / `api_secret`, or `KEELSON_BINANCE_API_KEY` / `KEELSON_BINANCE_API_SECRET`
/// so an env file works too — or exactly two bare lines: the key, then the secret. Blank lines and `#` comments
/// are skipped; values may be quoted. Errors name the line, never its content.
struct BinanceSecretsFile: Sendable, Equatable {
    var apiKey: String?
    var apiSecret: String?

    static let keyNames: Set<String> = ["api_key", "keelson_binance_api_key"]
    static let secretNames: Set<String> = ["api_secret", "keelson_binance_api_secret"]
    static let expectedForm = "expected api_key=… and api_secret=… lines, or the key and the secret on two lines"

    static func read(path: String, variable: String) throws(ConfigurationError) -> BinanceSecretsFile {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(variable: variable, problem: "cannot read '\(path)'; \(expectedForm)")
        }
        return try parse(text, problemPrefix: path, variable: variable)
    }

    static func parse(_ text: String, problemPrefix: String, variable: String) throws(ConfigurationError) -> BinanceSecretsFile {
        var named = BinanceSecretsFile()
        var bare: [String] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            if let equals = line.firstIndex(of: "="),
                case let name = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased(),
                keyNames.contains(name) || secretNames.contains(name)
            {
                let value = unquoted(line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces))
                if keyNames.contains(name) { named.apiKey = value } else { named.apiSecret = value }
            } else if line.contains("=") && line.split(separator: "=").first?.allSatisfy({ $0.isLetter || $0 == "_" }) == true {
                throw ConfigurationError(
                    variable: variable, problem: "\(problemPrefix): line \(index + 1) names no api_key or api_secret; \(expectedForm)")
            } else {
                bare.append(unquoted(line))
            }
        }
        switch (named.apiKey != nil || named.apiSecret != nil, bare.count) {
        case (true, 0):
            return named
        case (false, 2):
            return BinanceSecretsFile(apiKey: bare[0], apiSecret: bare[1])
        case (false, 0):
            throw ConfigurationError(variable: variable, problem: "\(problemPrefix) is empty; \(expectedForm)")
        default:
            throw ConfigurationError(variable: variable, problem: "\(problemPrefix) holds \(bare.count) unnamed lines; \(expectedForm)")
        }
    }

    private static func unquoted(_ value: String) -> String {
        for quote in ["\"", "'"] where value.count >= 2 && value.hasPrefix(quote) && value.hasSuffix(quote) {
            return String(value.dropFirst().dropLast())
        }
        return value
    }
}
