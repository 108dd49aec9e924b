import AsyncHTTPClient
import Foundation
import KeelsonPersistence
import KeelsonServiceKit
import NIOCore
import NIOHTTP1

/// One of the four services run as its own process from the package root (so `config/` and `data/` resolve),
/// on a free port, with the test tokens — for tests that stop or kill a service as an outage would.
public struct ServiceProcess: Sendable {
    public let service: ServiceIdentity
    public let child: ChildProcess
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The package root, found from this file's location.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public static func start(_ service: ServiceIdentity, database: DatabaseURL, environment extra: [String: String] = [:]) throws -> ServiceProcess {
        let port = FreePort.next()
        let environment = [
            "DATABASE_URL": database.connectionString,
            "KEELSON_INTERNAL_TOKENS": TestConfiguration.tokens.joined(separator: ","),
            "KEELSON_PORT": String(port),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "warning",
        ].merging(extra) { _, new in new }
        let child = try ChildProcess(service.executableName, environment: environment, workingDirectory: packageRoot)
        return ServiceProcess(service: service, child: child, port: port)
    }

    public struct Reply: Sendable {
        public var status: Int
        public var body: String
    }

    public func get(_ path: String) async throws -> Reply {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url + path), timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), body: String(buffer: bytes))
    }

    /// Waits until `/ready` is 200; throws with the process's output when it is not within `timeout`.
    public func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, child.isRunning {
            if let reply = try? await get("/ready"), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSetupError("\(service.executableName) was not ready within \(timeout): \(child.output().stderr.suffix(2000))")
    }

    public func stop() async throws {
        child.signal(SIGTERM)
        try await child.wait(timeout: .seconds(20))
    }
}
