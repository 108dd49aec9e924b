import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Calls another Keelson service with the inter-service token. Every request has a deadline; only requests
/// the caller declares idempotent are retried, because retrying anything else could act twice.
public struct ServiceClient: Sendable {
    public let service: ServiceIdentity
    public let baseURL: String
    let token: String
    let httpClient: HTTPClient
    let timeout: Duration
    let logger: Logger
    public var retryPolicy = RetryPolicy()
    /// Largest response body read, so a misbehaving peer cannot exhaust memory.
    static let maxResponseBytes = 16 * 1024 * 1024

    public init(service: ServiceIdentity, baseURL: String, token: String, httpClient: HTTPClient, timeout: Duration, logger: Logger) {
        self.service = service
        self.baseURL = baseURL
        self.token = token
        self.httpClient = httpClient
        self.timeout = timeout
        self.logger = logger
    }

    public struct RawResponse: Sendable {
        public var status: Int
        public var body: ByteBuffer
    }

    /// GET is idempotent, so it is retried on transient failures.
    public func get<Result: Decodable>(_ path: String, as type: Result.Type = Result.self) async throws -> Result {
        let response = try await send(.GET, path, body: nil, idempotent: true)
        return try decode(response, as: type)
    }

    /// POST; retried only when `idempotent` (e.g. a receiver that deduplicates by natural key).
    public func post<Body: Encodable, Result: Decodable>(
        _ path: String, body: Body, idempotent: Bool, as type: Result.Type = Result.self
    ) async throws -> Result {
        let data = try JSONCoding.encoder.encode(body)
        let response = try await send(.POST, path, body: ByteBuffer(data: data), idempotent: idempotent)
        return try decode(response, as: type)
    }

    /// Sends a request and returns the answer whatever its status; transport failures throw.
    public func send(_ method: HTTPMethod, _ path: String, body: ByteBuffer?, idempotent: Bool) async throws -> RawResponse {
        let attempts = idempotent ? retryPolicy.maxAttempts : 1
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            do {
                let response = try await sendOnce(method, path, body: body)
                if attempt < attempts, [429, 502, 503, 504].contains(response.status) {
                    throw ServiceClientError.status(service: service, code: response.status, body: String(buffer: response.body))
                }
                return response
            } catch let error as ServiceClientError where error.isTransient && attempt < attempts {
                let delay = retryPolicy.delay(forRetry: attempt, using: &generator)
                logger.debug(
                    "retrying request", metadata: ["service": "\(service.rawValue)", "path": "\(path)", "attempt": "\(attempt)", "error": "\(error)"])
                try await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }

    private func sendOnce(_ method: HTTPMethod, _ path: String, body: ByteBuffer?) async throws -> RawResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let deadline = TimeAmount.nanoseconds(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        do {
            let response = try await httpClient.execute(request, timeout: deadline, logger: logger)
            let body = try await response.body.collect(upTo: Self.maxResponseBytes)
            return RawResponse(status: Int(response.status.code), body: body)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw ServiceClientError.timedOut(service: service, after: timeout)
        } catch let error as ServiceClientError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ServiceClientError.unreachable(service: service, detail: String(describing: error))
        }
    }

    private func decode<Result: Decodable>(_ response: RawResponse, as type: Result.Type) throws -> Result {
        guard (200..<300).contains(response.status) else {
            throw ServiceClientError.status(service: service, code: response.status, body: String(buffer: response.body))
        }
        do {
            return try JSONCoding.decoder.decode(type, from: response.body)
        } catch {
            throw ServiceClientError.undecodable(service: service, detail: String(describing: error))
        }
    }
}
