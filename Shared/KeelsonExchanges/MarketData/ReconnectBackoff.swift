import Foundation

/// How long to wait before the next attempt to reach an exchange again: `initial`, doubled after every failed
/// attempt up to `maximum`, each wait drawn from the upper half of that ("equal jitter") so that many
/// connections cut at the same moment do not all come back in the same instant — Binance allows only 300
/// connects per 5 minutes per IP.
public struct ReconnectBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.initial = max(initial, .milliseconds(1))
        self.maximum = max(maximum, self.initial)
    }

    /// The wait before attempt `attempt` (1 for the first retry); `unitRandom` in 0…1 picks the jitter.
    public func delay(attempt: Int, unitRandom: Double = .random(in: 0...1)) -> Duration {
        let doublings = min(max(attempt - 1, 0), 30)
        var ceiling = initial
        for _ in 0..<doublings where ceiling < maximum { ceiling *= 2 }
        ceiling = min(ceiling, maximum)
        return ceiling * (0.5 + 0.5 * min(max(unitRandom, 0), 1))
    }
}
