import Logging
import ServiceLifecycle

/// The safety net under the pushes: every poll interval the leader decides stored signals nobody sent it and
/// reads candles the collector stored but did not push (a push lost to a restart or a network blip).
struct EngineCatchUp: Service {
    let engine: TradingEngine
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await engine.catchUp()
                } catch is CancellationError {
                    break
                } catch let error as EngineError {
                    logger.debug("catch-up skipped", metadata: ["reason": "\(error)"])
                } catch {
                    logger.warning("catch-up failed; retrying", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
