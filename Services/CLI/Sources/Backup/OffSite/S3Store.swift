import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An S3-compatible bucket (AWS S3, MinIO, Ceph, moto), addressed path-style (`<endpoint>/<bucket>/<key>`), every
/// request signed with Signature V4. Uploads stream from the file (one PUT: up to 5 GB) with the file's SHA-256 as
/// the signed payload hash, so the bucket refuses a body that changed on the way.
struct S3Store: OffSiteStore {
    let endpoint: URL
    let bucket: String
    /// Key prefix, empty or ending in `/`, e.g. `keelson/`.
    let prefix: String
    let signer: SignatureV4
    var httpClient: HTTPClient = .shared
    var timeout: TimeAmount = .seconds(600)

    var description: String { "s3://\(bucket)/\(prefix) at \(endpoint.absoluteString)" }

    private var host: String {
        let host = endpoint.host ?? "localhost"
        guard let port = endpoint.port else { return host }
        let defaultPort = endpoint.scheme == "https" ? 443 : 80
        return port == defaultPort ? host : "\(host):\(port)"
    }

    private func path(_ key: String?) -> String {
        let base = endpoint.path.hasSuffix("/") ? String(endpoint.path.dropLast()) : endpoint.path
        return base + "/" + bucket + (key.map { "/" + $0 } ?? "")
    }

    private func request(
        _ method: HTTPMethod, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [],
        payloadHash: String = SignatureV4.emptyPayloadHash
    ) -> HTTPClientRequest {
        let path = path(key)
        let signed = signer.sign(
            method: method.rawValue, host: host, path: path, query: query, headers: headers, payloadHash: payloadHash, date: Date())
        let queryText = query.isEmpty ? "" : "?" + query.map { "\(SignatureV4.encode($0.0))=\(SignatureV4.encode($0.1))" }.joined(separator: "&")
        var scheme = endpoint.scheme ?? "https"
        if scheme != "http" && scheme != "https" { scheme = "https" }
        var request = HTTPClientRequest(url: "\(scheme)://\(host)\(SignatureV4.encode(path, keepingSlashes: true))\(queryText)")
        request.method = method
        for (name, value) in signed { request.headers.add(name: name, value: value) }
        return request
    }

    private func execute(_ request: HTTPClientRequest, what: String) async throws -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: timeout)
        } catch {
            throw OffSiteError(description: "\(what): \(endpoint.absoluteString) did not answer (\(error)); check KEELSON_BACKUP_S3_ENDPOINT")
        }
        guard (200..<300).contains(response.status.code) else {
            let body = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
            let code = Self.element("Code", in: body) ?? "HTTP \(response.status.code)"
            let message = Self.element("Message", in: body).map { ": \($0)" } ?? ""
            throw OffSiteError(description: "\(what): the bucket answered \(code)\(message)")
        }
        return response
    }

    func put(_ file: URL, as name: String) async throws {
        let checksum = try FileChecksum.of(file)
        var request = self.request(.PUT, key: prefix + name, payloadHash: checksum.sha256)
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        let chunks = AsyncThrowingStream<ByteBuffer, any Error> {
            guard let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else { return nil }
            return ByteBuffer(bytes: data)
        }
        request.body = .stream(chunks, length: .known(checksum.size))
        _ = try await execute(request, what: "uploading \(name) to \(description)")
    }

    func get(_ name: String, to file: URL) async throws {
        let response = try await execute(request(.GET, key: prefix + name), what: "downloading \(name) from \(description)")
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw OffSiteError(description: "cannot write \(file.path)")
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        for try await chunk in response.body { try handle.write(contentsOf: Data(buffer: chunk)) }
    }

    func list() async throws -> [String: Int64] {
        var sizes: [String: Int64] = [:]
        var token: String?
        repeat {
            // The prefix up to its first slash, the rest filtered here: some S3-compatible servers (moto) check the
            // signature of a query value holding "/" against the decoded slash and refuse the listing.
            var query = [("list-type", "2"), ("prefix", String(prefix.prefix { $0 != "/" }))]
            if let token { query.append(("continuation-token", token)) }
            let response = try await execute(request(.GET, key: nil, query: query), what: "listing \(description)")
            let body = String(buffer: try await response.body.collect(upTo: 32 * 1024 * 1024))
            for match in body.matches(of: /<Contents>(.*?)<\/Contents>/.dotMatchesNewlines()) {
                let entry = String(match.1)
                guard let key = Self.element("Key", in: entry), key.hasPrefix(prefix) else { continue }
                sizes[String(key.dropFirst(prefix.count))] = Self.element("Size", in: entry).flatMap { Int64($0) } ?? 0
            }
            token = Self.element("IsTruncated", in: body) == "true" ? Self.element("NextContinuationToken", in: body) : nil
        } while token != nil
        return sizes
    }

    func delete(_ name: String) async throws {
        _ = try await execute(request(.DELETE, key: prefix + name), what: "deleting \(name) from \(description)")
    }

    /// The text of the first `<name>…</name>` in an S3 XML answer, entities decoded.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else {
            return nil
        }
        return String(xml[open.upperBound..<close.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
