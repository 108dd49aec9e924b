/// An API key and its secret. Neither is ever printed: `description`, `debugDescription` and reflection
/// (`dump`, string interpolation in logs and errors) show only the first characters of the key.
public struct BinanceCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let apiKey: String
    let signer: BinanceSigner

    public init(apiKey: String, secret: String) {
        self.apiKey = apiKey
        self.signer = BinanceSigner(secret: secret)
    }

    public var description: String { "API key \(apiKey.prefix(4))… (secret hidden)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["apiKey": "\(apiKey.prefix(4))…"]) }
}
