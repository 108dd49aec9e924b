import Foundation
import Hummingbird
import KeelsonPersistence

/// The single place where errors become HTTP responses. Nothing leaves a Keelson service as an empty 500:
/// client mistakes become a 4xx JSON body, and anything unexpected a 500 JSON body naming the request id.
public struct ErrorMappingMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.map(error, requestID: context.id)
            if Self.isExpectedUnavailability(error, apiError) {
                // A service saying it cannot serve yet (recovering, standing by) is part of every deploy, not an
                // incident: an alert on error logs must not fire on each restart.
                context.logger.notice("request refused while unavailable", metadata: ["reason": "\(apiError.detail)", "path": "\(request.uri.path)"])
            } else if apiError.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            }
            return try apiError.response(from: request, context: context)
        }
    }

    /// A 503 the service chose to answer (its own reason), as opposed to a database it cannot reach.
    static func isExpectedUnavailability(_ error: any Error, _ apiError: APIError) -> Bool {
        apiError.status == .serviceUnavailable && (error is APIError || error is any APIErrorConvertible || error is TradingRepositoryError)
    }

    static func map(_ error: any Error, requestID: String) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as any APIErrorConvertible:
            return error.apiError
        case let error as TradingRepositoryError:
            return switch error {
            case .notLeader: .serviceUnavailable(error.description)
            case .sessionBusy, .inconsistent, .engineRunning: APIError(.conflict, code: "conflict", detail: error.description)
            case .notFound: .notFound(error.description)
            }
        case let error as StrategyLifecycleError:
            return switch error {
            case .unknownInstance: .notFound(error.description)
            case .refused, .instanceExists, .otherStrategy: APIError(.conflict, code: "conflict", detail: error.description)
            }
        case let error as ModelRegistryError:
            return switch error {
            case .noSuchModel: .notFound(error.description)
            case .cannotMove: APIError(.conflict, code: "conflict", detail: error.description)
            case .unusable: APIError(.unprocessableContent, code: "unusable_model", detail: error.description)
            }
        case let error as APIKeyStoreError:
            return switch error {
            case .invalidName: .badRequest(error.description)
            case .unknownKey: .notFound(error.description)
            }
        case let error as HTTPError:
            return APIError(
                error.status, code: Self.code(for: error.status), detail: error.body ?? Self.defaultDetail(for: error.status), headers: error.headers)
        case let error as DecodingError:
            return .badRequest("the request body is not valid JSON for this endpoint: \(Self.describe(error))")
        case let error as any HTTPResponseError where error.status.code < 500:
            return APIError(error.status, code: Self.code(for: error.status), detail: Self.defaultDetail(for: error.status))
        case let error as ConfigurationError:
            return .badRequest(error.description)
        default:
            if DatabaseErrorDescription.isConnectionFailure(error) {
                return .serviceUnavailable("the database is unreachable; retry shortly (request \(requestID))")
            }
            return APIError(
                .internalServerError, code: "internal_error",
                detail: "an unexpected error occurred; the service log has the details under request id \(requestID)")
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 409: "conflict"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        case 422: "unprocessable"
        case 429: "rate_limited"
        case 502: "bad_gateway"
        case 503: "service_unavailable"
        case 504: "gateway_timeout"
        default: status.code >= 500 ? "internal_error" : "client_error"
        }
    }

    static func defaultDetail(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "no such route; docs/openapi.yaml lists the routes Keelson serves"
        case 405: "this route does not accept that HTTP method"
        case 413: "the request body is too large"
        default: status.reasonPhrase
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "field '\(path)': \(context.debugDescription)"
        @unknown default: return "undecodable body"
        }
    }
}
