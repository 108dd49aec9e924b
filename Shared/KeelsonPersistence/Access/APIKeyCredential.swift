import Crypto
import Foundation
import KeelsonFoundation

/// An API key as a client presents it: `kk_<id>_<secret>`. The id is public (it names the key in lists and the
/// audit log); the secret is 256 random bits, shown once at creation and stored only as its SHA-256. A slow
/// password hash would add nothing: it protects guessable secrets, and these cannot be guessed.
public struct APIKeyCredential: Sendable, Equatable {
    static let prefix = "kk"
    public let id: String
    public let secret: String

    /// A new random key.
    public static func generate() -> APIKeyCredential {
        APIKeyCredential(id: SecretGenerator.token(bytes: 6), secret: SecretGenerator.token(bytes: 32))
    }

    init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// Reads a presented key; nil when it is not of the form `kk_<12 hex>_<64 hex>`.
    public init?(presented text: String) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.prefix,
            parts[1].count == 12, parts[1].allSatisfy(\.isHexDigit),
            parts[2].count == 64, parts[2].allSatisfy(\.isHexDigit)
        else { return nil }
        self.id = String(parts[1]).lowercased()
        self.secret = String(parts[2]).lowercased()
    }

    /// What the client sends.
    public var presentation: String { "\(Self.prefix)_\(id)_\(secret)" }

    /// What is stored: the SHA-256 of the secret, as hex.
    public var secretHash: String { Self.hash(secret) }

    static func hash(_ secret: String) -> String {
        // Hex by table: this runs on every authenticated request (the verified-key cache is keyed by it).
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(secret.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Compares this key's secret with a stored hash in constant time.
    public func matches(storedHash: String) -> Bool {
        ConstantTime.equal(Array(secretHash.utf8), Array(storedHash.utf8))
    }
}
