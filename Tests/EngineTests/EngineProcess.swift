import AsyncHTTPClient
import Foundation
import KeelsonContracts
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import KeelsonTrading
import NIOCore
import NIOHTTP1

/// `keelson-engine` run as its own process, so a test can kill it with SIGKILL as a crash would.
struct EngineProcess {
    let child: ChildProcess
    let port: Int

    /// - Parameter environment: more variables (live mode's), added to the test defaults.
    static func start(database: DatabaseURL, crashAt: String? = nil, environment extra: [String: String] = [:]) async throws -> EngineProcess {
        var environment = [
            "DATABASE_URL": database.connectionString,
            "KEELSON_INTERNAL_TOKENS": TestConfiguration.tokens.joined(separator: ","),
            "KEELSON_PORT": "0",
            "KEELSON_SYMBOLS": "BTCUSDT",
            "KEELSON_ENGINE_POLL_MS": "200",
            "LOG_FORMAT": "json",
        ]
        if let crashAt { environment["KEELSON_TEST_CRASH_AT"] = crashAt }
        environment["KEELSON_ENGINE_CONFIG"] = try mechanicsSettingsFile()
        environment.merge(extra) { _, given in given }
        let child = try ChildProcess("keelson-engine", environment: environment)
        return EngineProcess(child: child, port: try await child.listeningPort())
    }

    /// An expert settings file with the risk the tests' figures assume (`EngineFixture.mechanicsRisk`), written once.
    static func mechanicsSettingsFile() throws -> String {
        let settings = EngineFixture.settings()
        let file = TradingSettingsFile(
            maxCapital: settings.maxCapital, timeframe: settings.timeframe.rawValue, symbols: settings.symbols.map(\.rawValue), risk: settings.risk,
            execution: settings.execution, symbolRules: [:])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-test-engine-\(getpid()).json").path
        if !FileManager.default.fileExists(atPath: path) {
            try JSONEncoder().encode(file).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        return path
    }

    typealias Reply = ServiceProcess.Reply

    /// - Parameter timeout: also bounds a request to a process that just died (the HTTP client retries a refused
    ///   connection until then).
    func request(_ path: String, method: HTTPMethod = .GET, body: String? = nil, timeout: TimeAmount = .seconds(10)) async throws -> Reply {
        try await ServiceProcess.send("http://127.0.0.1:\(port)\(path)", method: method, body: body, timeout: timeout)
    }

    /// Waits until `/ready` is 200; false when it is not within `timeout` or the process died.
    func waitUntilReady(timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, child.isRunning {
            if let reply = try? await request("/ready"), reply.status == 200 { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Waits until the process answers `/health` at all.
    func waitUntilServing(timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, child.isRunning {
            if (try? await request("/health")) != nil { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    func postSignals(_ ids: [Int64], timeout: TimeAmount = .seconds(10)) async throws -> Reply {
        let body = try JSONCoding.encoder.encode(SignalBatch(ids: ids))
        return try await request(InternalRoute.signals.path, method: .POST, body: String(decoding: body, as: UTF8.self), timeout: timeout)
    }

    func postCandles(_ candles: [Candle], timeout: TimeAmount = .seconds(10)) async throws -> Reply {
        let body = try JSONCoding.encoder.encode(CandleBatch(candles: candles))
        return try await request(InternalRoute.candles.path, method: .POST, body: String(decoding: body, as: UTF8.self), timeout: timeout)
    }

    func stop() async throws {
        child.signal(SIGTERM)
        try await child.wait(timeout: .seconds(20))
    }
}
