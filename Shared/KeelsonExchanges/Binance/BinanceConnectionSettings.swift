import Foundation
import KeelsonFoundation

/// Where and as whom live trading talks to Binance: the base URL and the API key and secret, from the
/// environment or a secrets file. Paper trading needs none of it. Neither the description nor any error shows
/// the secret, and the key only by its first characters.
public struct BinanceConnectionSettings: Sendable, CustomStringConvertible {
    public static let apiKeyVariable = "KEELSON_BINANCE_API_KEY"
    public static let apiSecretVariable = "KEELSON_BINANCE_API_SECRET"
    public static let secretsFileVariable = "KEELSON_BINANCE_SECRETS_FILE"
    public static let baseURLVariable = "KEELSON_BINANCE_BASE_URL"
    public static let timeoutVariable = "KEELSON_BINANCE_TIMEOUT_MS"

    public var baseURL: String
    public var credentials: BinanceCredentials
    /// How long one request may take; an order whose answer takes longer has an unknown status and is queried.
    public var timeout: Duration

    public init(baseURL: String = BinanceRESTClient.productionURL, credentials: BinanceCredentials, timeout: Duration = .seconds(10)) {
        self.baseURL = baseURL
        self.credentials = credentials
        self.timeout = timeout
    }

    public var description: String { "Binance at \(baseURL) with \(credentials)" }

    /// The key and secret from `KEELSON_BINANCE_API_KEY` / `KEELSON_BINANCE_API_SECRET`, each falling back to
    /// `KEELSON_BINANCE_SECRETS_FILE`; the base URL from `KEELSON_BINANCE_BASE_URL` (production by default).
    /// Throws one line naming what is missing and how to set it.
    public static func load(environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) -> BinanceConnectionSettings {
        let baseURL = try environment.httpURL(baseURLVariable) ?? BinanceRESTClient.productionURL
        var apiKey = environment.string(apiKeyVariable)
        var apiSecret = environment.string(apiSecretVariable)
        if let path = environment.string(secretsFileVariable), apiKey == nil || apiSecret == nil {
            let file = try BinanceSecretsFile.read(path: path, variable: secretsFileVariable)
            apiKey = apiKey ?? file.apiKey
            apiSecret = apiSecret ?? file.apiSecret
        }
        let missing = [(apiKeyVariable, apiKey), (apiSecretVariable, apiSecret)].filter { $0.1 == nil }.map(\.0)
        guard let apiKey, let apiSecret else {
            throw ConfigurationError(
                variable: missing.joined(separator: " and "),
                problem:
                    "not set; KEELSON_MODE=live trades real money on Binance and needs its API key and secret: set \(apiKeyVariable) and \(apiSecretVariable), "
                    + "or \(secretsFileVariable) to a file with api_key=… and api_secret=… lines (docs/CONFIGURATION.md); paper mode needs neither"
            )
        }
        return BinanceConnectionSettings(
            baseURL: baseURL, credentials: BinanceCredentials(apiKey: apiKey, secret: apiSecret),
            timeout: try environment.duration(timeoutVariable) ?? .seconds(10)
        )
    }
}
