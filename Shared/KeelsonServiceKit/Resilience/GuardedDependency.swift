import Foundation
import KeelsonContracts
import KeelsonFoundation

/// A circuit breaker and the cheapest call that tells whether the dependency behind it answers again (an exchange's
/// ping, a provider's newest candles): what an operator's reset closes and the watchdog's probe tests.
public struct GuardedDependency: Sendable {
    public let breaker: CircuitBreaker
    let probe: @Sendable () async throws -> Void

    public init(breaker: CircuitBreaker, probe: @escaping @Sendable () async throws -> Void) {
        self.breaker = breaker
        self.probe = probe
    }

    /// Closes the breaker at once (an operator who fixed the cause), or — probing — calls the dependency only once
    /// the cool-down is over: an answer closes the breaker, a failure opens it for another full period. A breaker
    /// still cooling down is left alone, so a probe never shortens the wait the breaker imposes.
    public func reset(probing: Bool) async -> BreakerResetList.Entry {
        let before = await breaker.state()
        guard probing else {
            await breaker.reset()
            return .init(name: breaker.name, before: before.rawValue, after: await breaker.state().rawValue)
        }
        guard before == .halfOpen else { return .init(name: breaker.name, before: before.rawValue, after: before.rawValue) }
        do {
            try await probe()
            await breaker.recordSuccess()
            return .init(name: breaker.name, before: before.rawValue, after: await breaker.state().rawValue, probed: true)
        } catch {
            await breaker.recordFailure()
            return .init(
                name: breaker.name, before: before.rawValue, after: await breaker.state().rawValue, probed: true, error: String(describing: error))
        }
    }
}
