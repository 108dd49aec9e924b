import Foundation
import Hummingbird

/// The one error shape every Keelson endpoint returns: `{"error": "<code>", "detail": "<what to do>"}`.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var detail: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
    }

    public static func badRequest(_ detail: String) -> APIError { APIError(.badRequest, code: "bad_request", detail: detail) }
    public static func notFound(_ detail: String) -> APIError { APIError(.notFound, code: "not_found", detail: detail) }
    public static func unauthorized(_ detail: String) -> APIError {
        APIError(.unauthorized, code: "unauthorized", detail: detail, headers: [.wwwAuthenticate: "Bearer"])
    }
    public static func forbidden(_ detail: String) -> APIError { APIError(.forbidden, code: "forbidden", detail: detail) }
    public static func tooManyRequests(_ detail: String, retryAfterSeconds: Int) -> APIError {
        APIError(.tooManyRequests, code: "rate_limited", detail: detail, headers: [.retryAfter: String(retryAfterSeconds)])
    }
    public static func serviceUnavailable(_ detail: String) -> APIError {
        APIError(.serviceUnavailable, code: "service_unavailable", detail: detail)
    }

    public var description: String { "\(status.code) \(code): \(detail)" }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public struct Body: Codable, Sendable, Equatable {
        public var error: String
        public var detail: String
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try Self.encoder.encode(Body(error: code, detail: detail), from: request, context: context)
        response.status = status
        response.headers.append(contentsOf: headers)
        return response
    }
}

/// Domain errors that a client can cause conform to this, so `ErrorMappingMiddleware` turns them into a 4xx.
public protocol APIErrorConvertible: Error {
    var apiError: APIError { get }
}
