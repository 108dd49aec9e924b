import Foundation

/// Places where a test can make the engine die as `kill -9` would, to prove recovery at the worst moments.
/// Set by `KEELSON_TEST_CRASH_AT` (one of the raw values); unset in every real deployment.
public enum CrashPoint: String, Sendable, CaseIterable {
    /// The order row is committed, nothing has been sent to the broker.
    case afterOrderWritten = "after-order-written"
    /// An exit (a stop's, or a sell signal's order) is committed with the cancel request on the symbol's working
    /// entries; the broker has heard of neither.
    case afterExitWritten = "after-exit-written"
    /// A fill's transaction is committed, the broker has not been told.
    case afterFillRecorded = "after-fill-recorded"

    static func configured(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> CrashPoint? {
        environment["KEELSON_TEST_CRASH_AT"].flatMap(CrashPoint.init(rawValue:))
    }

    func trigger() -> Never {
        FileHandle.standardError.write(Data("keelson-engine: KEELSON_TEST_CRASH_AT=\(rawValue): killing this process\n".utf8))
        kill(getpid(), SIGKILL)
        fatalError("SIGKILL did not stop the process")
    }
}
