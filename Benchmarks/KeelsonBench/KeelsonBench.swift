import Foundation
import KeelsonPersistence

/// `make bench`: prints figures; nothing here asserts on time. The database benchmarks need DATABASE_URL
/// (`make bench` starts a throwaway PostgreSQL for them). `KEELSON_BENCH=engine,indicators` runs a subset
/// (names: backfill, engine, gateway, portfolio, indicators, backtest, optimize, models).
@main
enum KeelsonBench {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let selected = Set(
            (environment["KEELSON_BENCH"] ?? "backfill,engine,gateway,portfolio,indicators,backtest").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            })
        // Peak memory is per process, so the backfill runs before anything else that allocates much.
        if let text = environment["DATABASE_URL"] {
            let server = try DatabaseURL(parsing: text)
            if selected.contains("backfill") { for line in try await BackfillBenchmark.run(server: server) { print(line) } }
            if selected.contains("engine") { for line in try await EngineBenchmark.run(server: server) { print(line) } }
            if selected.contains("gateway") { for line in try await GatewayBenchmark.run(server: server) { print(line) } }
            if selected.contains("portfolio") { for line in try await StrategyPortfolioBenchmark.run(server: server) { print(line) } }
        } else {
            print("DATABASE_URL is not set: skipping the database benchmarks (make bench provides one)")
        }
        if selected.contains("indicators") { for line in try IndicatorBenchmarks.runAll() { print(line) } }
        if selected.contains("backtest") { for line in try await BacktestBenchmark.run() { print(line) } }
        if selected.contains("optimize") { for line in try await OptimizerBenchmark.run() { print(line) } }
        if selected.contains("models") { for line in try ModelBenchmark.run() { print(line) } }
    }
}
