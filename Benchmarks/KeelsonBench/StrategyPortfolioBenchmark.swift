import Foundation
import KeelsonDomain
import KeelsonFoundation
import KeelsonPersistence
import KeelsonPortfolio
import KeelsonTrading
import Logging
import PostgresNIO
import SignalsService

/// The lifecycle evaluation for 100 strategy instances with 100 round trips each (10,000 trades): the figures and the
/// rules alone, in memory, and one whole evaluation as the signal service runs it (read every trade from PostgreSQL,
/// measure, decide, record each instance's recommendation in manual mode). Target: < 50 ms.
enum StrategyPortfolioBenchmark {
    static let instances = 100
    static let tradesPerInstance = 100

    static func run(server: DatabaseURL) async throws -> [String] {
        var logger = Logger(label: "keelson-bench")
        logger.logLevel = .critical
        return try await ScratchDatabase.with(server: server, label: "portfolio", logger: logger) { url in
            let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 2), backgroundLogger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                return try await measure(client: client, logger: logger)
            }
        }
    }

    static func seed(client: PostgresClient, logger: Logger) async throws {
        try await MigrationRunner(client: client, logger: logger).migrateUp()
        try await client.query(
            "INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'active', 10000, 10000)", logger: logger)
        // Deterministic PnL between −60 and +54 per trade, one trade every 10 minutes of market time per instance.
        try await client.query(
            """
            INSERT INTO trades (session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, fees, exit_reason, strategy)
            SELECT 1, 'BTCUSDT', 'long', 1, timestamptz '2024-03-01' + (n * interval '10 minutes'),
                   60000, timestamptz '2024-03-01' + (n * interval '10 minutes') + interval '5 minutes', 60000,
                   ((n * 7919) % 115) - 60, 1, 'signal', 'bench_' || (n % \(instances))
            FROM generate_series(0, \(instances * tradesPerInstance - 1)) AS n
            """, logger: logger)
        let registrations = (0..<instances).map {
            StrategyRegistration(
                instance: "bench_\($0)", strategy: "sma_crossover", symbols: ["BTCUSDT"], interval: "1m", parametersJSON: "{}", initialStatus: .active
            )
        }
        _ = try await PostgresStrategyLifecycleStore(client: client, logger: logger).register(registrations)
    }

    static func measure(client: PostgresClient, logger: Logger) async throws -> [String] {
        try await seed(client: client, logger: logger)
        let store = PostgresStrategyLifecycleStore(client: client, logger: logger)
        let rules = StrategyLifecycleRules(mode: .manual, minimumTrades: 30, minimumDays: 1)
        let reads = try await TradingReadRepository.newestSessionMode(client: client, logger: logger)!
        let trades = try await reads.attributedTrades()

        var pure: [Duration] = []
        var decisions = 0
        for _ in 0..<20 {
            let start = ContinuousClock.now
            decisions = 0
            for (_, own) in Dictionary(grouping: trades, by: \.strategy) {
                let figures = StrategyFigures.measure(own, capital: 10_000)
                let span = own.map(\.exitTime).max()!.timeIntervalSince(own.map(\.entryTime).min()!) / 86_400
                if rules.decide(current: .active, figures: figures, spanDays: span) != nil { decisions += 1 }
            }
            pure.append(ContinuousClock.now - start)
        }
        var reading: [Duration] = []
        for _ in 0..<10 {
            let start = ContinuousClock.now
            _ = try await reads.attributedTrades()
            reading.append(ContinuousClock.now - start)
        }
        let evaluator = StrategyLifecycleEvaluator(rules: rules, store: store, postgres: client, logger: logger)
        var whole: [Duration] = []
        for _ in 0..<10 {
            let start = ContinuousClock.now
            _ = try await evaluator.evaluate()
            whole.append(ContinuousClock.now - start)
        }
        func median(_ values: [Duration]) -> Double { values.sorted()[values.count / 2].milliseconds }
        return [
            "strategy lifecycle evaluation, \(instances) instances × \(tradesPerInstance) round trips (target < 50 ms):",
            String(format: "  figures and rules in memory: median %.2f ms (%d of %d instances would move)", median(pure), decisions, instances),
            String(format: "  whole evaluation (read 10,000 trades from PostgreSQL, measure, decide, record): median %.2f ms", median(whole)),
            String(format: "  of which reading the 10,000 attributed trades from PostgreSQL: median %.2f ms", median(reading)),
        ] + (try portfolioBacktest())
    }

    /// The portfolio backtest of the five sample instances (the two disabled ones too) on both sample markets, with the
    /// sample file's lifecycle rules replayed: the work `keelson backtest --strategies` and a shadow book's replay do.
    static func portfolioBacktest() throws -> [String] {
        let instances = try StrategiesFile.parse(try Data(contentsOf: URL(fileURLWithPath: StrategiesFile.defaultPath)), source: "strategies")
        let rules = try StrategiesFile.parseContents(try Data(contentsOf: URL(fileURLWithPath: StrategiesFile.defaultPath)), source: "strategies")
            .rules
        let series = try ["BTCUSDT", "ETHUSDT"].map { name in
            CandleCSV.candles(
                try CandleCSV.load(path: "data/sample/\(name)-1m.csv"), exchange: "replay", symbol: Symbol(rawValue: name)!, interval: .oneMinute)
        }
        let steps = zip(series[0], series[1]).map { [$0, $1] }
        var timings: [Duration] = []
        var roundTrips = 0
        for _ in 0..<5 {
            let start = ContinuousClock.now
            var backtest = PortfolioBacktest(
                instances: try instances.map { instance in
                    PortfolioBacktest.Instance(
                        id: instance.id, status: .active, strategies: try instance.symbols.map { ($0, try instance.makeStrategy()) })
                },
                configuration: .init(
                    initialCash: 10_000, risk: .conservative(maxCapital: 10_000), execution: .standard, rules: [:], lifecycle: rules))
            for step in steps { try backtest.process(step) }
            roundTrips = backtest.finish().roundTrips.count
            timings.append(ContinuousClock.now - start)
        }
        let median = timings.sorted()[timings.count / 2].milliseconds
        return [
            "portfolio backtest, 5 sample instances on 2 × 4,320 one-minute bars, lifecycle rules replayed:",
            String(
                format: "  median %.1f ms a run (%.0f bars/s, %d round trips)", median, Double(2 * steps.count) / (median / 1000), roundTrips),
        ]
    }
}
