import Crypto
import Foundation

/// Signs Binance requests: HMAC-SHA256 with the API secret over the query string immediately followed by the
/// body, after non-ASCII characters are percent-encoded, as lowercase hex (EXCHANGES.md, "Signing").
public struct BinanceSigner: Sendable, CustomStringConvertible {
    // Kept as bytes: `SymmetricKey` is not Sendable in this swift-crypto, and building one per request is cheap.
    private let secret: Data

    public init(secret: String) {
        self.secret = Data(secret.utf8)
    }

    private var key: SymmetricKey { SymmetricKey(data: secret) }

    /// The `signature` parameter for a request whose query string and body are given as they will be sent.
    public func signature(query: String, body: String = "") -> String {
        signature(payload: Self.percentEncodingNonASCII(query) + Self.percentEncodingNonASCII(body))
    }

    /// The signature of an already assembled payload.
    public func signature(payload: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: key)
        return Self.lowercaseHex(code)
    }

    /// True when `signature` is this secret's signature of `payload`, compared in constant time.
    public func isValid(signature: String, payload: String) -> Bool {
        guard let bytes = Self.bytes(fromHex: signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: Data(payload.utf8), using: key)
    }

    /// UTF-8 bytes above 0x7F as `%XX`; ASCII, including already encoded `%XX`, is left as it is.
    public static func percentEncodingNonASCII(_ text: String) -> String {
        guard !text.utf8.allSatisfy({ $0 < 0x80 }) else { return text }
        var result = ""
        for byte in text.utf8 {
            if byte < 0x80 {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }

    public var description: String { "BinanceSigner (secret hidden)" }

    static func lowercaseHex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var characters: [UInt8] = []
        for byte in bytes {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    static func bytes(fromHex text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 2)
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let high = hexValue(characters[index]), let low = hexValue(characters[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
