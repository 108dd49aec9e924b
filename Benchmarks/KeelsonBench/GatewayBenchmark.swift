import AsyncHTTPClient
import EngineService
import Foundation
import GatewayService
import Hummingbird
import KeelsonDomain
import KeelsonFoundation
import KeelsonPersistence
import KeelsonServiceKit
import Logging
import PostgresNIO

/// The gateway under load from wrk (32 connections, `KEELSON_BENCH_SECONDS` per target, 30 by default): `GET /health`
/// (answered from the background check), `GET /api/v1/trading/portfolio` (API key checked in PostgreSQL, then
/// forwarded to the engine, which reads PostgreSQL), and a minimal Hummingbird route in the same process as
/// the reference. Everything — wrk, gateway, engine, PostgreSQL — shares this machine's cores.
enum GatewayBenchmark {
    static let token = "bench-token-0123456789abcdef0123"
    static let connections = 32

    static func run(server: DatabaseURL) async throws -> [String] {
        guard let wrk = findWRK() else {
            return ["gateway: skipped — wrk is not installed (make bench installs it with apt-get; or `apt-get install wrk`)"]
        }
        var logger = Logger(label: "keelson-bench")
        logger.logLevel = .critical
        return try await ScratchDatabase.with(server: server, label: "gateway", logger: logger) { url in
            try await measure(url: url, wrk: wrk, logger: logger)
        }
    }

    static func findWRK() -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(directory)/wrk"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func measure(url: DatabaseURL, wrk: String, logger: Logger) async throws -> [String] {
        let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 2), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await MigrationRunner(client: client, logger: logger).migrateUp()
            _ = try await PostgresCandleStore(client: client, logger: logger).upsert((0..<20).map(EngineBenchmark.bar))
            let (_, credential) = try await PostgresAPIKeyStore(client: client, logger: logger).create(name: "bench", role: .viewer)

            let enginePort = Int.random(in: 20_000..<40_000)
            let gatewayPort = enginePort + 1
            let minimalPort = enginePort + 2
            let tokens = try InternalTokens([token])
            let engine = try buildEngineApplication(
                configuration: ServiceConfiguration(service: .engine, port: enginePort, database: url, internalTokens: tokens, logLevel: .critical),
                settings: .autonomous(maxCapital: 10_000, timeframe: .oneMinute, symbols: [EngineBenchmark.symbol]), logger: logger
            )
            var gatewayConfiguration = ServiceConfiguration(
                service: .gateway, port: gatewayPort, database: url, internalTokens: tokens, logLevel: .critical)
            gatewayConfiguration.serviceURLs[.engine] = "http://127.0.0.1:\(enginePort)"
            let gateway = try buildGatewayApplication(configuration: gatewayConfiguration, settings: GatewaySettings(), logger: logger)
            let minimalRouter = Router()
            minimalRouter.get("ping") { _, _ in #"{"status":"ok"}"# }
            let minimal = Application(router: minimalRouter, configuration: .init(address: .hostname("127.0.0.1", port: minimalPort)), logger: logger)
            group.addTask { try await engine.runService() }
            group.addTask { try await gateway.runService() }
            group.addTask { try await minimal.runService() }
            try await waitFor("http://127.0.0.1:\(enginePort)/ready")
            try await waitFor("http://127.0.0.1:\(gatewayPort)/ready")
            try await waitFor("http://127.0.0.1:\(minimalPort)/ping")
            // Five strategy instances with 200 round trips each in the engine's session, for the per-strategy reads.
            try await client.query(
                """
                INSERT INTO trades (session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, fees, exit_reason, strategy)
                SELECT (SELECT max(id) FROM trading_sessions), 'BTCUSDT', 'long', 1, timestamptz '2024-03-01' + (n * interval '10 minutes'), 100,
                       timestamptz '2024-03-01' + (n * interval '10 minutes') + interval '5 minutes', 100, ((n * 7919) % 115) - 60, 1, 'signal',
                       'bench_' || (n % 5)
                FROM generate_series(0, 999) AS n
                """, logger: logger)

            let seconds = Int(ProcessInfo.processInfo.environment["KEELSON_BENCH_SECONDS"] ?? "") ?? 30
            let targets: [(label: String, url: String, header: String?)] = [
                ("minimal Hummingbird route (reference)", "http://127.0.0.1:\(minimalPort)/ping", nil),
                ("gateway GET /health", "http://127.0.0.1:\(gatewayPort)/health", nil),
                (
                    "gateway GET /api/v1/trading/portfolio", "http://127.0.0.1:\(gatewayPort)/api/v1/trading/portfolio",
                    "Authorization: Bearer \(credential.presentation)"
                ),
                ("engine GET /api/v1/portfolio, directly (what the gateway forwards to)", "http://127.0.0.1:\(enginePort)/api/v1/portfolio", nil),
                (
                    "gateway GET /api/v1/trading/strategies (5 instances, 1,000 trades)",
                    "http://127.0.0.1:\(gatewayPort)/api/v1/trading/strategies", "Authorization: Bearer \(credential.presentation)"
                ),
                (
                    "gateway GET /api/v1/trading/strategies/bench_3", "http://127.0.0.1:\(gatewayPort)/api/v1/trading/strategies/bench_3",
                    "Authorization: Bearer \(credential.presentation)"
                ),
                ("engine GET /api/v1/strategies, directly (no cache)", "http://127.0.0.1:\(enginePort)/api/v1/strategies", nil),
            ]
            var lines = ["gateway under wrk (\(connections) connections, 2 threads, \(seconds) s each, all on this machine):"]
            var reference: Double?
            for target in targets {
                let result = try await runWRK(wrk, url: target.url, header: target.header, seconds: seconds)
                reference = reference ?? result.requestsPerSecond
                let share = reference.map { result.requestsPerSecond / $0 * 100 } ?? 100
                lines.append(
                    String(
                        format: "  %@: %.0f req/s (%.0f %% of the minimal route), p50 %.2f ms, p99 %.2f ms, non-2xx %d",
                        target.label, result.requestsPerSecond, share, result.p50Milliseconds, result.p99Milliseconds, result.errors
                    ))
            }
            return lines
        }
    }

    static func waitFor(_ url: String) async throws {
        for _ in 0..<400 {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2)) {
                _ = try? await response.body.collect(upTo: 1 << 16)
                if response.status == .ok { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchmarkError("\(url) did not answer 200")
    }

    struct WRKResult {
        var requestsPerSecond: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var errors: Int
    }

    static func runWRK(_ wrk: String, url: String, header: String?, seconds: Int) async throws -> WRKResult {
        let arguments = ["-t2", "-c\(connections)", "-d\(seconds)s", "--latency"] + (header.map { ["-H", $0] } ?? []) + [url]
        let result = try await ProcessCommand(URL(fileURLWithPath: wrk), arguments: arguments).run()
        let output = result.stdout + result.stderr
        guard let rate = output.firstMatch(of: /Requests\/sec:\s+([0-9.]+)/).flatMap({ Double($0.1) }),
            let p50 = latency(in: output, percentile: "50%"), let p99 = latency(in: output, percentile: "99%")
        else { throw BenchmarkError("could not read wrk's output: \(output)") }
        let errors = output.firstMatch(of: /Non-2xx or 3xx responses:\s+([0-9]+)/).flatMap { Int($0.1) } ?? 0
        return WRKResult(requestsPerSecond: rate, p50Milliseconds: p50, p99Milliseconds: p99, errors: errors)
    }

    /// wrk prints e.g. `     99%    4.21ms` with units us, ms or s.
    static func latency(in output: String, percentile: String) -> Double? {
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0] == percentile else { continue }
            let text = String(parts[1])
            for (unit, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(unit) {
                return Double(text.dropLast(unit.count)).map { $0 * factor }
            }
        }
        return nil
    }
}
