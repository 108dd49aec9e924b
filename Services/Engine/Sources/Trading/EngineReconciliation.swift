import Logging
import ServiceLifecycle

/// Live mode: every `interval` the leader compares the exchange account with its books (balances, open orders),
/// so a trade, order or withdrawal made by hand is found within an interval rather than at the next restart.
struct EngineReconciliation: Service {
    let engine: TradingEngine
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                do {
                    try await engine.reconcileWhileTrading()
                } catch is CancellationError {
                    break
                } catch let error as EngineError {
                    logger.debug("reconciliation skipped", metadata: ["reason": "\(error)"])
                } catch {
                    // The exchange may be unreachable; the next interval tries again.
                    logger.warning("reconciliation failed; retrying at the next interval", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
