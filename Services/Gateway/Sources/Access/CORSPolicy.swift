import HTTPTypes
import Hummingbird
import KeelsonServiceKit

/// CORS for browser dashboards on the configured origins only: their requests get Hummingbird's CORS headers
/// (and preflights an answer); any other origin gets none, so the browser refuses to read the response.
struct CORSPolicy: RouterMiddleware {
    typealias Context = KeelsonRequestContext
    let origins: Set<String>
    private let cors = CORSMiddleware<KeelsonRequestContext>(
        allowOrigin: .originBased,
        allowHeaders: [.accept, .authorization, .contentType, .origin, HTTPField.Name("X-API-Key")!],
        allowMethods: [.get, .post, .delete, .head, .options],
        exposedHeaders: ["Retry-After", "Server-Timing"],
        maxAge: .seconds(600)
    )

    init(origins: [String]) {
        self.origins = Set(origins)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        if origins.contains("*") || origins.contains(origin) {
            return try await cors.handle(request, context: context, next: next)
        }
        if request.method == .options {
            throw APIError.forbidden("origin \(origin) may not call this API; add it to KEELSON_CORS_ORIGINS")
        }
        return try await next(request, context)
    }
}
