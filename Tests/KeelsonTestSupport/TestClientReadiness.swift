import HummingbirdTesting
import NIOCore

public struct ReadinessTimeout: Error, CustomStringConvertible {
    public var lastBody: String
    public var description: String { "the service did not become ready: \(lastBody)" }
}

extension TestClientProtocol {
    /// Polls `/ready` until it answers 200 (services migrate the schema in the background at start-up).
    public func waitUntilReady(attempts: Int = 200) async throws {
        var lastBody = ""
        for _ in 0..<attempts {
            let response = try await execute(uri: "/ready", method: .get, headers: [:], body: nil)
            if response.status == .ok { return }
            lastBody = String(buffer: response.body)
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ReadinessTimeout(lastBody: lastBody)
    }
}
