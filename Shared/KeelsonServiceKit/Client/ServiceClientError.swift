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

    /// Worth retrying: the request may not have reached the service, or the service asked us to come back.
    var isTransient: Bool {
        switch self {
        case .unreachable, .timedOut: true
        case .status(_, let code, _): [429, 502, 503, 504].contains(code)
        case .undecodable: false
        }
    }
}
