import Hummingbird
import Logging

/// Guards `/internal/...` routes: the caller must send `Authorization: Bearer <token>` with one of the
/// currently valid inter-service tokens. The presented token is never logged.
public struct InternalTokenMiddleware: RouterMiddleware {
    public typealias Context = KeelsonRequestContext
    let tokens: InternalTokens

    public init(tokens: InternalTokens) {
        self.tokens = tokens
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("this is an internal route: send Authorization: Bearer <inter-service token>")
        }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw APIError.unauthorized("the Authorization header must be of the form 'Bearer <token>'")
        }
        guard tokens.accepts(String(header.dropFirst(7))) else {
            context.logger.warning("rejected internal request with an invalid token", metadata: ["path": "\(request.uri.path)"])
            throw APIError.unauthorized("the inter-service token is not valid; check KEELSON_INTERNAL_TOKENS on both services")
        }
        var context = context
        context.principal = "internal"
        return try await next(request, context)
    }
}
