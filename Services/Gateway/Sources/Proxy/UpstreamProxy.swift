import Hummingbird
import KeelsonServiceKit

/// Serves a dashboard read from the service that owns the data: the request's query string is passed on, and
/// the service's answer — its JSON body and status, errors included — comes back unchanged, so every service's
/// conventions (snake_case, ISO-8601 UTC, decimals as strings, one error shape) hold through the gateway.
struct UpstreamProxy: Sendable {
    let clients: [ServiceIdentity: ServiceClient]
    /// nil: every read goes to the service.
    let cache: ReadCache?

    func forward(_ request: Request, to service: ServiceIdentity, path: String) async throws -> Response {
        guard let client = clients[service] else { throw APIError.notFound("no route to \(service.executableName)") }
        let target = request.uri.query.map { "\(path)?\($0)" } ?? path
        let fetch: @Sendable () async throws -> ReadCache.Entry = {
            let reply = try await client.send(.GET, target, body: nil, idempotent: true)
            return ReadCache.Entry(status: reply.status, body: reply.body, storedAt: .now)
        }
        let entry: ReadCache.Entry
        if let cache {
            entry = try await cache.answer(for: "\(service.rawValue) \(target)", fetch: fetch)
        } else {
            entry = try await fetch()
        }
        return Self.response(status: entry.status, body: entry.body)
    }

    /// The largest body a read that carries one (an analysis) may send on.
    static let maxReadBodyBytes = 64 << 10

    /// A read whose question is a JSON body (`POST /api/v1/analyze`): sent on as it is and never cached, since
    /// its answer depends on the body.
    func forwardBody(_ request: Request, to service: ServiceIdentity, path: String) async throws -> Response {
        guard let client = clients[service] else { throw APIError.notFound("no route to \(service.executableName)") }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.maxReadBodyBytes) } catch {
            throw APIError(.contentTooLarge, code: "too_large", detail: "the request body is over \(Self.maxReadBodyBytes) bytes; send one JSON object")
        }
        let reply = try await client.send(.POST, path, body: body, idempotent: true)
        return Self.response(status: reply.status, body: reply.body)
    }

    static func response(status: Int, body: ByteBuffer) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }
}
