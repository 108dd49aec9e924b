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
        return Response(
            status: HTTPResponse.Status(code: entry.status),
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: entry.body)
        )
    }
}
