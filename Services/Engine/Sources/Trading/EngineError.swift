import KeelsonServiceKit

/// Why the engine cannot take a request now; mapped to an HTTP status in one place.
public enum EngineError: Error, Sendable, Equatable, APIErrorConvertible {
    /// Standby or recovering: try again later (a signal is safe in the signals table either way).
    case unavailable(String)

    public var apiError: APIError {
        switch self {
        case .unavailable(let reason): APIError(.serviceUnavailable, code: "engine_unavailable", detail: reason)
        }
    }
}
