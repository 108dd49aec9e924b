import AsyncHTTPClient
import Foundation
import KeelsonPersistence
import KeelsonServiceKit
import NIOCore
import NIOHTTP1

/// One of the four services run as its own process from the package root (so `config/` and `data/` resolve),
/// on a port the kernel picks, with the test tokens — for tests that stop or kill a service as an outage would.
public struct ServiceProcess: Sendable {
    public let service: ServiceIdentity
    public let child: ChildProcess
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The package root, found from this file's location.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public static func start(_ service: ServiceIdentity, database: DatabaseURL, environment extra: [String: String] = [:]) async throws
        -> ServiceProcess
    {
        let environment = [
            "DATABASE_URL": database.connectionString,
            "KEELSON_INTERNAL_TOKENS": TestConfiguration.tokens.joined(separator: ","),
            "KEELSON_PORT": "0",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "notice",
        ].merging(extra) { _, new in new }
        let child = try ChildProcess(service.executableName, environment: environment, workingDirectory: packageRoot)
        return ServiceProcess(service: service, child: child, port: try await child.listeningPort())
    }

    public struct Reply: Sendable {
        public var status: Int
        public var body: String
    }

    public func get(_ path: String) async throws -> Reply {
        try await Self.send(url + path)
    }

    /// A POST with the inter-service token, as another service sends it.
    public func post(_ path: String, json: String, timeout: TimeAmount = .seconds(10)) async throws -> Reply {
        try await Self.send(url + path, method: .POST, body: json, timeout: timeout)
    }

    /// One request to a Keelson process; a body goes with the inter-service token, as another service sends it.
    public static func send(_ url: String, method: HTTPMethod = .GET, body: String? = nil, timeout: TimeAmount = .seconds(10))
        async throws -> Reply
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Authorization", value: "Bearer \(TestConfiguration.tokens[0])")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
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
