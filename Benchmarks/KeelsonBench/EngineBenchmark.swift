import AsyncHTTPClient
import EngineService
import Foundation
import Hummingbird
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import Logging
import NIOCore
import PostgresNIO

/// Signal-to-fill latency of the engine with the paper broker and PostgreSQL commits. The engine is built and
/// run as in production (`buildEngineApplication`: HTTP server, leader lock, recovery, one statement per
/// trading write); each round trip is `POST /internal/v1/signals` (decision, order written, sent) then
/// `POST /internal/v1/candles` with the next bar (fill, position, trade, balance committed). Buys and sells
/// alternate, so every other fill closes a trade. Three figures per round trip: signal to fill inside the engine
/// (the signal request's `Server-Timing` plus the candle request's `fill_latency_ms`, from receiving the bar to the
/// fill's commit), the engine's whole time for both requests (`Server-Timing`, including the equity snapshot after
/// the fill), and the time a co-located caller sees over loopback HTTP.
enum EngineBenchmark {
    static let roundTrips = 1_000
    static let symbol = Symbol(rawValue: "BTCUSDT")!
    static let start = Date(timeIntervalSince1970: 1_709_251_200)
    static let token = "bench-token-0123456789abcdef0123"

    static func run(server: DatabaseURL) async throws -> [String] {
        var logger = Logger(label: "keelson-bench")
        logger.logLevel = .error
        return try await ScratchDatabase.with(server: server, label: "engine", logger: logger) { url in
            try await measure(url: url, logger: logger)
        }
    }

    static func bar(_ index: Int) -> Candle {
        Candle(
            exchange: "replay", symbol: symbol, interval: .oneMinute, openTime: start.addingTimeInterval(TimeInterval(index * 60)), open: 100,
            high: 101, low: 99, close: 100, volume: 1000)
    }

    static func measure(url: DatabaseURL, logger: Logger) async throws -> [String] {
        let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 2), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await MigrationRunner(client: client, logger: logger).migrateUp()
            _ = try await PostgresCandleStore(client: client, logger: logger).upsert((0..<20).map(bar))

            let port = Int.random(in: 20_000..<60_000)
            let configuration = ServiceConfiguration(
                service: .engine, port: port, database: url, internalTokens: try InternalTokens([token]), logLevel: .critical)
            var settings = EngineSettings.autonomous(maxCapital: 10_000, timeframe: .oneMinute, symbols: [symbol])
            settings.risk.maxDrawdownPercent = 100
            settings.risk.dailyLossLimitPercent = 100
            // ATR(14), as when the earlier figures were taken: 20 bars of history are enough to size the first entry.
            settings.risk.atrPeriod = 14
            // The push path is measured: the catch-up poll would otherwise decide some signals before their push.
            settings.pollInterval = .seconds(3_600)
            // Stopping the server at the end logs errors that are not the benchmark's business.
            var quiet = logger
            quiet.logLevel = .critical
            let app = try buildEngineApplication(configuration: configuration, settings: settings, logger: quiet)
            group.addTask { try await app.runService() }
            let base = "http://127.0.0.1:\(port)"
            for attempt in 0...400 {
                if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/ready"), timeout: .seconds(2)) {
                    _ = try? await response.body.collect(upTo: 1 << 16)
                    if response.status == .ok { break }
                }
                if attempt == 400 { throw BenchmarkError("the engine did not become ready") }
                try await Task.sleep(for: .milliseconds(50))
            }
            return try await roundTrips(database: client, logger: logger) { path, body in
                var request = HTTPClientRequest(url: base + path)
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                guard response.status == .ok else { throw BenchmarkError("POST \(path): \(response.status) \(text)") }
                let timing = response.headers.first(name: "Server-Timing") ?? ""
                guard let value = timing.split(separator: "=").last.flatMap({ Double($0) }) else {
                    throw BenchmarkError("no Server-Timing on \(path)")
                }
                return (Duration.microseconds(Int64(value * 1000)), text)
            }
        }
    }

    struct CandleAnswer: Decodable {
        var fill_latency_ms: Double?
    }

    /// `post` returns the engine's own time for the request and the response body.
    static func roundTrips(database: PostgresClient, logger: Logger, post: (String, String) async throws -> (Duration, String)) async throws
        -> [String]
    {
        var latencies: [Duration] = []
        var signalToFill: [Duration] = []
        var inside: [Duration] = []
        latencies.reserveCapacity(roundTrips)
        var measured = Duration.zero
        for index in 0..<roundTrips {
            let barIndex = 19 + index
            let side = index.isMultiple(of: 2) ? "buy" : "sell"
            let rows = try await database.query(
                """
                INSERT INTO signals (strategy, symbol, "interval", bar_time, side, strength, price, reason)
                VALUES ('bench', 'BTCUSDT', '1m', \(bar(barIndex).openTime), \(side), 1, 100, 'bench') RETURNING id
                """, logger: logger
            )
            var signalID: Int64 = 0
            for try await (id) in rows.decode(Int64.self) { signalID = id }
            let candle = String(decoding: try JSONCoding.encoder.encode(["candles": [bar(barIndex + 1)]]), as: UTF8.self)

            let began = ContinuousClock.now
            let (signalTime, _) = try await post("/internal/v1/signals", #"{"signals":[{"id":\#(signalID)}]}"#)
            let (candleTime, answer) = try await post("/internal/v1/candles", candle)
            let elapsed = ContinuousClock.now - began
            guard let fillLatency = try JSONDecoder().decode(CandleAnswer.self, from: Data(answer.utf8)).fill_latency_ms else {
                throw BenchmarkError("bar \(barIndex + 1) made no fill: \(answer)")
            }
            signalToFill.append(signalTime + .microseconds(Int64(fillLatency * 1000)))
            inside.append(signalTime + candleTime)
            latencies.append(elapsed)
            measured += elapsed
        }
        let fills = try await database.query("SELECT count(*)::int FROM fills", logger: logger).collect().first?.decode(Int.self) ?? 0
        let trades = try await database.query("SELECT count(*)::int FROM trades", logger: logger).collect().first?.decode(Int.self) ?? 0
        latencies.sort()
        signalToFill.sort()
        inside.sort()
        func milliseconds(_ p: Double, _ values: [Duration]) -> Double {
            BackfillBenchmark.seconds(values[min(values.count - 1, Int(Double(values.count) * p))]) * 1000
        }
        return [
            "engine signal-to-fill (paper broker, PostgreSQL commits): \(roundTrips) round trips, \(fills) fills, \(trades) trades",
            String(
                format: "  signal to fill inside the engine: p50 %.2f ms, p99 %.2f ms, max %.2f ms", milliseconds(0.5, signalToFill),
                milliseconds(0.99, signalToFill), milliseconds(1, signalToFill)),
            String(
                format: "  the engine's whole time for both requests (with the snapshot after the fill): p50 %.2f ms, p99 %.2f ms",
                milliseconds(0.5, inside), milliseconds(0.99, inside)),
            String(
                format: "  seen by a caller over loopback HTTP: p50 %.2f ms, p99 %.2f ms, max %.2f ms", milliseconds(0.5, latencies),
                milliseconds(0.99, latencies), milliseconds(1, latencies)),
            String(
                format: "  sustained %.0f fills/s (one signal and one bar per fill, sequential)", Double(fills) / BackfillBenchmark.seconds(measured)),
        ]
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
