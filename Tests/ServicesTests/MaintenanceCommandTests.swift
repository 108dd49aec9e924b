import Foundation
import KeelsonTestSupport
import PostgresNIO
import Testing

/// `keelson db maintenance` against PostgreSQL: retention deletes exactly the rows past their age — never a trade, an
/// order or an audit row, never a signal an order was placed for — compacts old equity snapshots to one a day, and
/// reports; a dry run deletes nothing.
@Suite("keelson db maintenance")
struct MaintenanceCommandTests {
    static func count(_ sql: String, _ postgres: PostgresClient) async throws -> Int {
        try await postgres.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger).collect().first?.decode(Int.self) ?? -1
    }

    static func seed(_ postgres: PostgresClient) async throws {
        let statements = [
            "INSERT INTO trading_sessions (id, mode, status, initial_balance, peak_equity) VALUES (1, 'paper', 'active', 10000, 10000)",
            // Signals: two old ones without an order (one decided by the engine), one old with an order, one recent.
            """
            INSERT INTO signals (id, strategy, symbol, "interval", bar_time, side, strength, price, reason, created_at) VALUES
              (1, 's', 'BTCUSDT', '1m', now() - interval '100 days', 'buy', 1, 100, 'old', now() - interval '100 days'),
              (2, 's', 'BTCUSDT', '1m', now() - interval '99 days', 'sell', 1, 100, 'old, decided', now() - interval '99 days'),
              (3, 's', 'BTCUSDT', '1m', now() - interval '98 days', 'buy', 1, 100, 'old, ordered', now() - interval '98 days'),
              (4, 's', 'BTCUSDT', '1m', now() - interval '1 day', 'buy', 1, 100, 'recent', now() - interval '1 day')
            """,
            "INSERT INTO engine_signal_log (signal_id, session_id, outcome, reason, processed_at) VALUES (2, 1, 'rejected', 'no position', now() - interval '99 days')",
            """
            INSERT INTO orders (id, session_id, client_order_id, symbol, side, type, quantity, status, cause, signal_id, created_at)
            VALUES (1, 1, 'k-sig-3', 'BTCUSDT', 'buy', 'market', 1, 'filled', 'signal', 3, now() - interval '500 days')
            """,
            """
            INSERT INTO order_events (order_id, from_status, to_status, occurred_at) VALUES
              (1, NULL, 'new', now() - interval '500 days'), (1, 'new', 'filled', now() - interval '2 days')
            """,
            // Snapshots: three on one old day, two on another, two recent.
            """
            INSERT INTO account_balances (session_id, cash, equity, realized_pnl, unrealized_pnl, recorded_at) VALUES
              (1, 1, 1, 0, 0, date_trunc('day', now()) - interval '40 days' + interval '10 hours'),
              (1, 2, 2, 0, 0, date_trunc('day', now()) - interval '40 days' + interval '12 hours'),
              (1, 3, 3, 0, 0, date_trunc('day', now()) - interval '40 days' + interval '23 hours'),
              (1, 4, 4, 0, 0, date_trunc('day', now()) - interval '35 days' + interval '1 hours'),
              (1, 5, 5, 0, 0, date_trunc('day', now()) - interval '35 days' + interval '2 hours'),
              (1, 6, 6, 0, 0, now() - interval '2 hours'), (1, 7, 7, 0, 0, now() - interval '1 hours')
            """,
            """
            INSERT INTO risk_events (session_id, kind, reason, occurred_at) VALUES
              (1, 'test', 'old', now() - interval '400 days'), (1, 'test', 'recent', now() - interval '10 days')
            """,
            """
            INSERT INTO trades (session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, exit_reason)
            VALUES (1, 'BTCUSDT', 'long', 1, now() - interval '1000 days', 100, now() - interval '999 days', 101, 1, 'signal')
            """,
            "INSERT INTO audit_log (action, outcome, occurred_at) VALUES ('trading.disable', 'ok', now() - interval '1000 days')",
            """
            INSERT INTO watchdog_events (source, component, symptom, action, result, occurred_at)
            VALUES ('supervisor', 'engine', 'old', 'restart', 'restarted', now() - interval '181 days'),
                   ('watchdog', 'engine', 'recent', 'probe_breaker', 'closed', now() - interval '179 days')
            """,
        ]
        for statement in statements { try await postgres.query(PostgresQuery(unsafeSQL: statement), logger: TestDatabase.logger) }
    }

    @Test("retention deletes exactly what is past its age, keeps trades, orders, audit rows and ordered signals; a dry run deletes nothing")
    func retention() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await Self.seed(postgres)
            let env = ["DATABASE_URL": url.connectionString]
            let spec = "signals=90d,account_balances=30d,risk_events=365d,order_events=400d"
            let dry = try await ChildProcess.run("keelson", ["db", "maintenance", "--retention", spec, "--dry-run"], environment: env)
            #expect(dry.exitCode == 0, Comment(rawValue: dry.stderr))
            #expect(dry.stdout.contains("signals: 2 rows older than 90 days would be deleted"), Comment(rawValue: dry.stdout))
            #expect(try await Self.count("SELECT count(*)::int FROM signals", postgres) == 4)

            let run = try await ChildProcess.run("keelson", ["db", "maintenance", "--retention", spec, "--report", "--vacuum"], environment: env)
            #expect(run.exitCode == 0, Comment(rawValue: run.stderr))
            #expect(run.stdout.contains("account_balances: 3 snapshots older than 30 days (the last of each day kept) deleted"), Comment(rawValue: run.stdout))
            #expect(run.stdout.contains("order_events: 1 row older than 400 days deleted"))
            #expect(run.stdout.contains("risk_events: 1 row older than 365 days deleted"))
            #expect(run.stdout.contains("signals: 2 rows older than 90 days deleted"))
            #expect(run.stdout.contains("watchdog_events: 1 row older than 180 days deleted"), "the default for a table not named")
            #expect(run.stdout.contains("kept: trades, orders, fills, audit_log"))
            #expect(run.stdout.contains("vacuumed and analysed"))
            #expect(run.stdout.contains("TABLE") && run.stdout.contains("account_balances"))

            #expect(try await Self.count("SELECT count(*)::int FROM signals WHERE id IN (3, 4)", postgres) == 2, "ordered and recent stay")
            #expect(try await Self.count("SELECT count(*)::int FROM signals", postgres) == 2)
            #expect(try await Self.count("SELECT count(*)::int FROM engine_signal_log", postgres) == 0, "the decision went with its signal")
            #expect(try await Self.count("SELECT count(*)::int FROM account_balances WHERE cash IN (3, 5, 6, 7)", postgres) == 4)
            #expect(try await Self.count("SELECT count(*)::int FROM account_balances", postgres) == 4, "the last of each old day, and the recent")
            #expect(try await Self.count("SELECT count(*)::int FROM risk_events WHERE reason = 'recent'", postgres) == 1)
            #expect(try await Self.count("SELECT count(*)::int FROM risk_events WHERE reason = 'old'", postgres) == 0)
            #expect(try await Self.count("SELECT count(*)::int FROM order_events", postgres) == 1)
            #expect(try await Self.count("SELECT count(*)::int FROM orders", postgres) == 1)
            #expect(try await Self.count("SELECT count(*)::int FROM trades", postgres) == 1)
            #expect(try await Self.count("SELECT count(*)::int FROM audit_log", postgres) == 1)
            #expect(try await Self.count("SELECT count(*)::int FROM watchdog_events WHERE symptom = 'recent'", postgres) == 1)
            #expect(try await Self.count("SELECT count(*)::int FROM watchdog_events", postgres) == 1)

            let again = try await ChildProcess.run("keelson", ["db", "maintenance", "--retention", spec], environment: env)
            #expect(again.stdout.contains("signals: 0 rows"), "nothing more to delete: \(again.stdout)")
        }
    }

    @Test(
        "a retention that would touch what audits need, or cannot be read, is refused in one line",
        arguments: [
            ("trades=30d", "keelson: --retention: trades is kept for audits and is never deleted; remove it\n"),
            ("audit_log=keep", "keelson: --retention: audit_log is kept for audits and is never deleted; remove it\n"),
            ("signals=0d", "keelson: --retention: signals=0d: expected a whole number of days of at least 1 (e.g. 90d) or keep\n"),
            ("candles", "keelson: --retention: 'candles' is not TABLE=DAYSd or TABLE=keep, e.g. signals=90d\n"),
            ("bogus=1d", "keelson: --retention: 'bogus' has no retention; expected one of signals, account_balances, risk_events, order_events, watchdog_events\n"),
        ])
    func refused(spec: String, expected: String) async throws {
        let result = try await ChildProcess.run(
            "keelson", ["db", "maintenance", "--retention", spec], environment: ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"])
        #expect(result.exitCode == 2)
        #expect(result.stderr == expected, Comment(rawValue: result.stderr))
    }
}
