import Foundation
import KeelsonTestSupport
import PostgresNIO
import Testing

/// What must hold once a run whose engine was killed and restarted at random has settled — every working order
/// given volume enough to end, the last position closed (docs/RELIABILITY.md, "Random kill -9"): the invariants
/// that hold at every moment (`Tests/Chaos/trading-invariants.sql`, shared with the database outage check), those
/// of a settled run, and the engine's answers against its tables.
enum SettledRunInvariants {
    typealias F = EngineFixture

    static let settled: [(name: String, sql: PostgresQuery)] = [
        ("an order left working", "SELECT count(*)::int FROM orders WHERE status IN ('new', 'submitted', 'partially_filled')"),
        ("a position left open after the closing sell", "SELECT count(*)::int FROM positions WHERE quantity <> 0"),
        (
            "a signal never decided",
            "SELECT count(*)::int FROM signals s WHERE NOT EXISTS (SELECT 1 FROM engine_signal_log l WHERE l.signal_id = s.id)"
        ),
        (
            "flat, cash that is not the initial 10,000 plus the round trips' PnL",
            """
            SELECT count(*)::int FROM (SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1) b
            WHERE b.cash <> 10000 + (SELECT coalesce(sum(pnl), 0) FROM trades)
            """
        ),
    ]

    static func always(_ postgres: PostgresClient) async throws -> [(name: String, violations: Int)] {
        let file = ServiceProcess.packageRoot.appendingPathComponent("Tests/Chaos/trading-invariants.sql")
        let sql = try String(contentsOf: file, encoding: .utf8)
        var result: [(name: String, violations: Int)] = []
        for try await row in try await postgres.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger).decode((String, Int).self) {
            result.append(row)
        }
        return result
    }

    static func check(_ postgres: PostgresClient, engine: EngineProcess) async throws {
        var results = try await always(postgres)
        #expect(results.count >= 9, "Tests/Chaos/trading-invariants.sql answered \(results.count) rows")
        for (name, sql) in settled { results.append((name, try await F.value(sql, as: Int.self, postgres: postgres))) }
        for (name, violations) in results {
            #expect(violations == 0, "\(violations) × \(name)")
        }
        // The engine's own answers agree with the tables it wrote.
        let portfolio = try await engine.request("/api/v1/portfolio")
        let cash = try await F.value(
            "SELECT trim_scale(cash)::text FROM account_balances ORDER BY id DESC LIMIT 1", as: String.self, postgres: postgres)
        let reported = (try JSONSerialization.jsonObject(with: Data(portfolio.body.utf8)) as? [String: Any])?["cash"] as? String
        #expect(
            reported.flatMap { Decimal(string: $0) } == Decimal(string: cash),
            "the engine reports cash \(reported ?? "none"); the table holds \(cash)")
        let positions = try await engine.request("/api/v1/positions")
        let listed = (try JSONSerialization.jsonObject(with: Data(positions.body.utf8)) as? [String: Any])?["positions"] as? [Any]
        #expect(listed?.count == 0, "the engine lists positions after the closing sell: \(positions.body)")
    }
}
