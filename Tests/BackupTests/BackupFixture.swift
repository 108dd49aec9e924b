import Foundation
import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

/// What the backup tests share: running `keelson`, a paper session traded by the real engine, row-by-row snapshots
/// of tables, and scratch directories.
enum BackupFixture {
    /// 2024-03-01T00:00:00Z: flat 1m bars from here give the engine an ATR of exactly 2 (see EngineTests' fixture).
    static let start = Date(timeIntervalSince1970: 1_709_251_200)
    static func time(_ bar: Int) -> Date { start.addingTimeInterval(TimeInterval(bar * 60)) }

    static let logger = TestDatabase.logger

    /// `keelson ARGS` with DATABASE_URL set to `url` (and `environment` on top).
    static func keelson(_ arguments: [String], database url: DatabaseURL?, environment: [String: String] = [:], timeout: Duration = .seconds(180))
        async throws -> ChildProcess.Result
    {
        var variables = environment
        if let url { variables["DATABASE_URL"] = url.connectionString }
        return try await ChildProcess.run("keelson", arguments, environment: variables, timeout: timeout)
    }

    /// A directory of its own under the temporary directory, removed afterwards.
    static func withDirectory<Result>(_ body: (URL) async throws -> Result) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-backups-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory)
    }

    static func migrate(_ url: DatabaseURL) async throws {
        _ = try await TestDatabase.withClient(url) { client in
            try await MigrationRunner(client: client, logger: logger).migrateUp()
        }
    }

    /// Runs SQL on the server's own database (for CREATE/DROP DATABASE).
    static func onServer(_ sql: String) async throws {
        _ = try await TestDatabase.withClient(try TestDatabase.serverURL()) { client in
            try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    static func databaseExists(_ name: String) async throws -> Bool {
        try await TestDatabase.withClient(try TestDatabase.serverURL()) { client in
            try await client.query("SELECT count(*)::int FROM pg_database WHERE datname = \(name)", logger: logger).collect()[0].decode(Int.self) == 1
        }
    }

    static func value<T: PostgresDecodable & Sendable>(_ sql: String, as type: T.Type, on client: PostgresClient) async throws -> T {
        try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()[0].decode(T.self)
    }

    /// Every row of each table as text (all columns, `row::text`), in key order: equal snapshots mean equal data.
    static let drillTables: [(table: String, order: String)] = [
        ("trading_sessions", "id"), ("orders", "id"), ("order_events", "id"), ("fills", "id"), ("positions", "session_id, symbol"),
        ("trades", "id"), ("account_balances", "id"), ("signals", "id"), ("engine_signal_log", "signal_id"), ("risk_events", "id"),
        ("candles", "exchange, symbol, \"interval\", open_time"), ("schema_migrations", "version"),
    ]

    static func snapshot(_ url: DatabaseURL) async throws -> [String: [String]] {
        try await TestDatabase.withClient(url) { client in
            var result: [String: [String]] = [:]
            for (table, order) in drillTables {
                var rows: [String] = []
                for try await row in try await client.query(
                    PostgresQuery(unsafeSQL: "SELECT t::text FROM \(table) t ORDER BY \(order)"), logger: logger
                ).decode(String.self) {
                    rows.append(row)
                }
                result[table] = rows
            }
            return result
        }
    }

    // MARK: A paper session traded by the real engine

    /// `keelson-engine` as its own process on `url`, deciding signals and filling orders from what it reads in the
    /// database (its catch-up poll runs every 200 ms), exactly as it does after a missed push.
    struct Engine {
        let child: ChildProcess

        static func start(_ url: DatabaseURL) throws -> Engine {
            Engine(
                child: try ChildProcess(
                    "keelson-engine",
                    environment: [
                        "DATABASE_URL": url.connectionString,
                        "KEELSON_INTERNAL_TOKENS": TestConfiguration.tokens.joined(separator: ","),
                        "KEELSON_PORT": String(FreePort.next()),
                        "KEELSON_SYMBOLS": "BTCUSDT",
                        "KEELSON_ENGINE_POLL_MS": "200",
                        "LOG_FORMAT": "json",
                    ]))
        }

        func stop() async throws {
            child.signal(SIGTERM)
            try await child.wait(timeout: .seconds(20))
        }
    }

    static func insertCandle(_ bar: Int, open: String, high: String, low: String, close: String, on client: PostgresClient) async throws {
        try await client.query(
            """
            INSERT INTO candles (exchange, symbol, "interval", open_time, close_time, open, high, low, close, volume, source)
            VALUES ('replay', 'BTCUSDT', '1m', \(time(bar)), \(time(bar + 1)), \(Decimal(string: open)!), \(Decimal(string: high)!),
                    \(Decimal(string: low)!), \(Decimal(string: close)!), 1000, 'test')
            """,
            logger: logger
        )
    }

    static func insertSignal(_ side: String, bar: Int, on client: PostgresClient) async throws {
        try await client.query(
            """
            INSERT INTO signals (strategy, symbol, "interval", bar_time, side, strength, price, reason)
            VALUES ('backup-drill', 'BTCUSDT', '1m', \(time(bar)), \(side), 1, 100, 'backup drill')
            """,
            logger: logger
        )
    }

    /// Polls until `sql` (one integer) reaches `expected`; fails the test with the engine's log if it does not.
    static func waitFor(_ sql: String, _ expected: Int, on client: PostgresClient, engine: Engine, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = -1
        while ContinuousClock.now < deadline {
            last = try await value(sql, as: Int.self, on: client)
            if last >= expected { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSetupError(
            "waited \(timeout) for `\(sql)` to reach \(expected), last \(last); engine log: \(engine.child.output().stdout.suffix(2000))")
    }

    /// Migrates `url`, then trades a paper session with the real engine: three round trips (buy, fill, sell, fill,
    /// trade) and a fourth entry left open, so trades, orders, fills, positions and account_balances all have rows.
    /// Returns with the engine still running.
    static func tradePaperSession(_ url: DatabaseURL) async throws -> Engine {
        try await migrate(url)
        return try await TestDatabase.withClient(url) { client in
            // 70 bars: the autonomous defaults need ATR(60), so 61 bars of history before a signal can be sized.
            for bar in 0..<70 { try await insertCandle(bar, open: "100", high: "101", low: "99", close: "100", on: client) }
            let engine = try Engine.start(url)
            do {
                try await waitFor(
                    "SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 7355 AND objsubid = 2",
                    1, on: client, engine: engine
                )
                try await waitFor("SELECT count(*)::int FROM trading_sessions WHERE status = 'active'", 1, on: client, engine: engine)
                for trip in 0..<3 {
                    let bar = 69 + trip * 2
                    try await insertSignal("buy", bar: bar, on: client)
                    try await waitFor("SELECT count(*)::int FROM orders", trip * 2 + 1, on: client, engine: engine)
                    try await insertCandle(bar + 1, open: "100", high: "101", low: "99", close: "100", on: client)
                    try await waitFor("SELECT count(*)::int FROM fills", trip * 2 + 1, on: client, engine: engine)
                    try await insertSignal("sell", bar: bar + 1, on: client)
                    try await waitFor("SELECT count(*)::int FROM orders", trip * 2 + 2, on: client, engine: engine)
                    try await insertCandle(bar + 2, open: "102", high: "103", low: "101", close: "102", on: client)
                    try await waitFor("SELECT count(*)::int FROM trades", trip + 1, on: client, engine: engine)
                }
                try await insertSignal("buy", bar: 75, on: client)
                try await waitFor("SELECT count(*)::int FROM orders", 7, on: client, engine: engine)
                try await insertCandle(76, open: "100", high: "101", low: "99", close: "100", on: client)
                try await waitFor("SELECT count(*)::int FROM positions", 1, on: client, engine: engine)
            } catch {
                try? await engine.stop()
                throw error
            }
            return engine
        }
    }

    /// The manifest written beside `dump`, as JSON.
    static func manifest(of dump: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dump + ".manifest.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// The dump path `backup create --json` printed.
    static func createdPath(_ result: ChildProcess.Result) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        guard let path = object?["path"] as? String else { throw TestSetupError("no path in: \(result.stdout) \(result.stderr)") }
        return path
    }
}

extension ChildProcess.Result {
    /// One line on stderr, as every refusal and bad input must be.
    var stderrLines: [Substring] { stderr.split(separator: "\n") }
}
