import Foundation
import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

/// The dashboard's equity chart: a session's balances thinned to a bounded number of points without hiding a drawdown.
@Suite("Equity curve reads")
struct EquityCurveReadsTests {
    /// 1,000 balance rows a minute apart: equity climbs from 10,000 by 1 a minute, except a dip to 9,000 at minute 503.
    static func seed(_ client: PostgresClient) async throws -> TradingReadRepository.SessionView {
        try await client.query(
            """
            INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'active', 10000, 10000)
            """, logger: TestDatabase.logger)
        try await client.query(
            """
            INSERT INTO account_balances (session_id, cash, equity, realized_pnl, unrealized_pnl, market_time)
            SELECT (SELECT max(id) FROM trading_sessions), 10000, CASE WHEN i = 503 THEN 9000 ELSE 10000 + i END, 0, 0,
                   timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute'
            FROM generate_series(0, 999) AS i
            """, logger: TestDatabase.logger)
        let reads = TradingReadRepository(client: client, mode: "paper", logger: TestDatabase.logger)
        return try #require(try await reads.session())
    }

    @Test func aLongCurveIsThinnedToTheAskedPointsAndKeepsItsWorstDrawdown() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let session = try await Self.seed(client)
            let reads = TradingReadRepository(client: client, mode: "paper", logger: TestDatabase.logger)

            let all = try await reads.equityCurve(session: session, since: nil, until: nil, points: 5000)
            #expect(all.points.count == 1000)
            #expect(all.points.first?.equity == "10000")
            #expect(all.points.last?.equity == "10999")
            #expect(all.initialBalance == "10000")
            // Minute 503 is 9,000 against a running peak of 10,502.
            #expect(all.points[503].drawdownPercent == "-14.302")
            #expect(all.points[504].drawdownPercent == "0")

            let thin = try await reads.equityCurve(session: session, since: nil, until: nil, points: 50)
            #expect(thin.points.count == 50)
            #expect(zip(thin.points, thin.points.dropFirst()).allSatisfy { $0.time < $1.time }, "oldest first")
            #expect(thin.points.last?.equity == "10999", "each bucket shows its last equity")
            #expect(thin.points.map(\.drawdownPercent).contains("-14.302"), "the dip survives thinning")
            #expect(thin.points.filter { $0.drawdownPercent != "0" }.count == 1)
        }
    }

    @Test func aWindowKeepsTheSessionsPeak() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let session = try await Self.seed(client)
            let reads = TradingReadRepository(client: client, mode: "paper", logger: TestDatabase.logger)
            let start = Date(timeIntervalSince1970: 1_704_067_200 + 500 * 60)
            let window = try await reads.equityCurve(session: session, since: start, until: start.addingTimeInterval(10 * 60), points: 500)
            #expect(window.points.count == 10)
            #expect(window.points.first?.time == start)
            #expect(window.points[3].drawdownPercent == "-14.302", "measured from the peak before the window")
        }
    }
}
