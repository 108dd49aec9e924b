import Logging
import ServiceLifecycle

/// Work the engine repeats every `interval` until shutdown:
/// - the catch-up, the safety net under the pushes: the leader decides stored signals nobody sent it and reads
///   candles the collector stored but did not push (a push lost to a restart or a network blip);
/// - live mode's reconciliation: the exchange account against the books, so a trade, order or withdrawal made by
///   hand is found within an interval rather than at the next restart.
/// An `EngineError` (not the leader, not ready) skips a round quietly; any other failure is logged and retried.
struct EnginePeriodicTask: Service, CustomStringConvertible {
    let name: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Void

    var description: String { name }

    static func catchUp(_ engine: TradingEngine, interval: Duration, logger: Logger) -> EnginePeriodicTask {
        EnginePeriodicTask(name: "catch-up", interval: interval, logger: logger) { try await engine.catchUp() }
    }

    static func reconciliation(_ engine: TradingEngine, interval: Duration, logger: Logger) -> EnginePeriodicTask {
        EnginePeriodicTask(name: "reconciliation", interval: interval, logger: logger) { try await engine.reconcileWhileTrading() }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await work()
                } catch is CancellationError {
                    break
                } catch let error as EngineError {
                    logger.debug("\(name) skipped", metadata: ["reason": "\(error)"])
                } catch {
                    logger.warning("\(name) failed; retrying", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
