import Crypto
import Foundation
import Hummingbird

/// A request's parameters from its query string and form body, and — for SIGNED endpoints — the checks
/// Binance makes: API key (-2014/-2015), signature over query + body as sent (-1022), and the timestamp
/// within recvWindow of the server's clock (-1021).
struct FakeRequestParameters: Sendable {
    private(set) var values: [String: String] = [:]

    /// Reads the query string and, when present, an `application/x-www-form-urlencoded` body.
    static func read(_ request: Request, maxBody: Int = 1 << 20) async throws -> (
        parameters: FakeRequestParameters, rawQuery: String, rawBody: String
    ) {
        let rawQuery = request.uri.query ?? ""
        let rawBody = String(buffer: try await request.body.collect(upTo: maxBody))
        var parameters = FakeRequestParameters()
        for raw in [rawQuery, rawBody] where !raw.isEmpty {
            for pair in raw.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = Self.decode(parts[0]), value = parts.count == 2 ? Self.decode(parts[1]) : ""
                parameters.values[name] = value
            }
        }
        return (parameters, rawQuery, rawBody)
    }

    subscript(_ name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    func required(_ name: String) throws(FakeBinanceError) -> String {
        guard let value = self[name] else { throw .mandatory(name) }
        return value
    }

    func decimal(_ name: String) throws(FakeBinanceError) -> Decimal? {
        guard let text = self[name] else { return nil }
        guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        else {
            throw .illegal(name)
        }
        return value
    }

    func integer(_ name: String) throws(FakeBinanceError) -> Int64? {
        guard let text = self[name] else { return nil }
        guard let value = Int64(text) else { throw .illegal(name) }
        return value
    }

    /// Verifies a SIGNED request; throws the error Binance would answer with.
    static func verifySigned(
        _ request: Request, parameters: FakeRequestParameters, rawQuery: String, rawBody: String,
        apiKey: String, apiSecret: String, serverTime: Date
    ) throws(FakeBinanceError) {
        guard let key = request.headers[.binanceAPIKey], !key.isEmpty else { throw .apiKeyFormat }
        guard key == apiKey else { throw .unknownAPIKey }
        let timestamp = try parameters.integer("timestamp")
        guard let timestamp else { throw .mandatory("timestamp") }
        guard let signature = parameters["signature"] else { throw .mandatory("signature") }
        let recvWindow = try parameters.integer("recvWindow") ?? 5000
        guard recvWindow <= 60_000 else { throw .recvWindowTooLarge }
        // The signature covers the parameters exactly as sent, less the signature itself.
        let payload = withoutSignature(rawQuery) + withoutSignature(rawBody)
        guard let signatureBytes = hexBytes(signature),
            HMAC<SHA256>.isValidAuthenticationCode(
                signatureBytes, authenticating: Data(payload.utf8), using: SymmetricKey(data: Data(apiSecret.utf8)))
        else { throw .badSignature }
        let server = Int64((serverTime.timeIntervalSince1970 * 1000).rounded())
        guard timestamp < server + 1000 else { throw .aheadOfServer }
        guard server - timestamp <= recvWindow else { throw .outsideRecvWindow }
    }

    private static func withoutSignature(_ raw: String) -> String {
        raw.split(separator: "&", omittingEmptySubsequences: false).filter { !$0.hasPrefix("signature=") }.joined(separator: "&")
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count == 64 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let byte = UInt8(String(decoding: characters[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    private static func decode(_ text: Substring) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }
}
