/// Why a call to another Keelson service failed.
public enum ServiceClientError: Error, Sendable, CustomStringConvertible {
    case unreachable(service: ServiceIdentity, detail: String)
    case timedOut(service: ServiceIdentity, after: Duration)
    case status(service: ServiceIdentity, code: Int, body: String)
    case undecodable(service: ServiceIdentity, detail: String)

    public var description: String {
        switch self {
        case .unreachable(let service, let detail): "\(service.executableName) is unreachable: \(detail)"
        case .timedOut(let service, let after): "\(service.executableName) did not answer within \(after)"
        case .status(let service, let code, let body): "\(service.executableName) answered \(code): \(body)"
        case .undecodable(let service, let detail): "\(service.executableName) sent an answer that could not be read: \(detail)"
        }
    }

    /// What went wrong, without the service's name: for reports that already name it.
    public var detail: String {
        switch self {
        case .unreachable(_, let detail): detail.contains("Connection refused") ? "connection refused" : detail
        case .timedOut(_, let after): "no answer within \(after)"
        case .status(_, let code, let body): "answered \(code): \(body.prefix(200))"
        case .undecodable(_, let detail): "unreadable answer: \(detail)"
        }
    }

    /// Worth retrying: the request may not have reached the service, or the service asked us to come back.
    var isTransient: Bool {
        switch self {
        case .unreachable, .timedOut: true
        case .status(_, let code, _): [429, 502, 503, 504].contains(code)
        case .undecodable: false
        }
    }
}

extension ServiceClientError: APIErrorConvertible {
    /// A peer that is down or slow is the caller's 503/504, never a 500: the request was fine.
    public var apiError: APIError {
        switch self {
        case .unreachable(let service, _):
            APIError(
                .serviceUnavailable, code: "service_unavailable",
                detail: "\(service.executableName) is unreachable; `keelson health` shows which services are down")
        case .timedOut(let service, let after):
            APIError(
                .gatewayTimeout, code: "gateway_timeout",
                detail: "\(service.executableName) did not answer within \(after); retry, or check `keelson health`")
        case .status(let service, let code, _):
            APIError(.badGateway, code: "bad_gateway", detail: "\(service.executableName) answered \(code)")
        case .undecodable(let service, _):
            APIError(.badGateway, code: "bad_gateway", detail: "\(service.executableName) sent an answer that could not be read")
        }
    }
}
