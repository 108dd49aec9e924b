import Crypto
import Foundation

/// AWS Signature Version 4 for S3 requests (an `Authorization` header), as AWS documents it: a canonical request,
/// the string to sign over its SHA-256, and an HMAC-SHA256 chain from the secret over date, region and service.
/// Checked against AWS's published examples (Tests/BackupTests/SignatureV4Tests.swift).
struct SignatureV4: Sendable {
    struct Credentials: Sendable, Equatable {
        var accessKeyID: String
        var secretAccessKey: String
        /// Temporary credentials' token (`x-amz-security-token`).
        var sessionToken: String?
    }

    let credentials: Credentials
    let region: String
    var service = "s3"

    /// The SHA-256 of no body: what a GET, a DELETE or a LIST sends in `x-amz-content-sha256`.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static let timestampFormat: Date.VerbatimFormatStyle = Date.VerbatimFormatStyle(
        format:
            "\(year: .defaultDigits)\(month: .twoDigits)\(day: .twoDigits)T\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased))\(minute: .twoDigits)\(second: .twoDigits)Z",
        timeZone: TimeZone(identifier: "UTC")!, calendar: Calendar(identifier: .gregorian))

    /// The headers to send: `headers` plus `x-amz-date`, `x-amz-content-sha256`, the session token if any, and
    /// `Authorization`. `path` is the request path as sent, unencoded; `query` its parameters.
    func sign(
        method: String, host: String, path: String, query: [(String, String)] = [], headers: [(String, String)] = [], payloadHash: String,
        date: Date
    ) -> [(String, String)] {
        let timestamp = date.formatted(Self.timestampFormat)
        let day = String(timestamp.prefix(8))
        var all = headers + [("host", host), ("x-amz-date", timestamp), ("x-amz-content-sha256", payloadHash)]
        if let token = credentials.sessionToken { all.append(("x-amz-security-token", token)) }
        let canonicalHeaders = Dictionary(
            all.map { ($0.0.lowercased(), $0.1.trimmingCharacters(in: .whitespaces)) }, uniquingKeysWith: { first, _ in first }
        ).sorted { $0.key < $1.key }
        let signedHeaders = canonicalHeaders.map(\.key).joined(separator: ";")
        let encodedQuery: [(key: String, value: String)] = query.map { (Self.encode($0.0), Self.encode($0.1)) }
        let sortedQuery = encodedQuery.sorted { left, right in left.key == right.key ? left.value < right.value : left.key < right.key }
        let canonicalQuery: String = sortedQuery.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        let headerLines: String = canonicalHeaders.map { "\($0.key):\($0.value)\n" }.joined()
        let canonicalRequest = [method, Self.encode(path, keepingSlashes: true), canonicalQuery, headerLines, signedHeaders, payloadHash]
            .joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", timestamp, scope, Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return all.filter { $0.0.lowercased() != "host" } + [("Authorization", authorization)]
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters (and `/` in a path), as SigV4 wants.
    static func encode(_ text: String, keepingSlashes: Bool = false) -> String {
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        if keepingSlashes { allowed.insert("/") }
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
