import HTTPTypes
import Hummingbird
import Synchronization

/// The routes a service serves, by path pattern, so a request to a known path with a method it does not take gets
/// `405 Method Not Allowed` and an `Allow` header (RFC 9110 §15.5.6) instead of the router's 404, which would tell
/// the caller the path does not exist. Filled once the router is complete (`ServiceRuntime.makeApplication`).
public final class RouteTable: Sendable {
    private let routes = Mutex<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    func record(_ router: Router<KeelsonRequestContext>) {
        routes.withLock { routes in
            routes = router.routes.map { (Self.segments(of: $0.path.description), $0.method) }
        }
    }

    /// The methods served on `path`, sorted; empty when no route has that path.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let requested = Self.segments(of: path)
        let methods = routes.withLock { routes in routes.filter { Self.matches($0.segments, requested) }.map(\.method) }
        return Set(methods.map(\.rawValue)).sorted().compactMap { HTTPRequest.Method($0) }
    }

    private static func segments(of path: String) -> [Substring] { path.split(separator: "/") }

    private static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        if pattern.last == "**" { return path.count >= pattern.count - 1 && zip(pattern.dropLast(), path).allSatisfy(segmentMatches) }
        return pattern.count == path.count && zip(pattern, path).allSatisfy(segmentMatches)
    }

    private static func segmentMatches(_ pattern: Substring, _ segment: Substring) -> Bool {
        pattern == segment || pattern == "*" || pattern.hasPrefix(":") || (pattern.hasPrefix("{") && pattern.hasSuffix("}"))
    }
}

/// Turns the router's 404 for a served path into a 405 naming the methods it takes.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = KeelsonRequestContext
    let table: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = table.methods(for: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method) else { throw error }
            let list = allowed.map(\.rawValue).joined(separator: ", ")
            throw APIError(
                .methodNotAllowed, code: "method_not_allowed",
                detail: "\(request.method.rawValue) is not served on \(request.uri.path); it takes \(list)",
                headers: [.allow: list])
        }
    }
}
