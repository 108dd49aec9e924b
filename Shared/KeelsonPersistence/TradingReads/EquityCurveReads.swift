import Foundation
import Logging
import PostgresNIO

/// The session's equity over market time, for charts: at most `points` points however long the session is.
extension TradingReadRepository {
    public struct EquityPointView: Codable, Sendable, Equatable {
        public var time: Date
        public var equity: String
        /// The worst drawdown from the running peak within the point's bucket, percent, ≤ 0, 4 decimals: kept per
        /// bucket so thinning the curve never hides a drawdown.
        public var drawdownPercent: String

        enum CodingKeys: String, CodingKey {
            case time, equity
            case drawdownPercent = "drawdown_percent"
        }
    }

    public struct EquityCurveView: Codable, Sendable {
        public var sessionID: Int64
        public var initialBalance: String
        /// Oldest first.
        public var points: [EquityPointView]

        enum CodingKeys: String, CodingKey {
            case points
            case sessionID = "session_id", initialBalance = "initial_balance"
        }
    }

    /// The balance rows of `session` in [`since`, `until`), thinned to `points` time buckets: each bucket's last
    /// equity and its worst drawdown. The peak is the session's running peak, so a window's drawdown is measured from
    /// the highest equity before it too.
    public func equityCurve(session: SessionView, since: Date?, until: Date?, points: Int) async throws -> EquityCurveView {
        let rows = try await client.query(
            """
            WITH curve AS (
                SELECT market_time AS t, id, equity, max(equity) OVER (ORDER BY market_time, id) AS peak
                FROM account_balances WHERE session_id = \(session.id) AND market_time IS NOT NULL
            ), windowed AS (
                SELECT t, id, equity, CASE WHEN peak > 0 THEN (equity - peak) / peak * 100 ELSE 0 END AS drawdown,
                       extract(epoch FROM t) - extract(epoch FROM min(t) OVER ()) AS offset_seconds,
                       greatest((extract(epoch FROM max(t) OVER ()) - extract(epoch FROM min(t) OVER ())) / \(points), 0.001) AS step
                FROM curve
                WHERE (\(since)::timestamptz IS NULL OR t >= \(since)) AND (\(until)::timestamptz IS NULL OR t < \(until))
            ), bucketed AS (
                SELECT t, id, equity, least(floor(offset_seconds / step), \(points - 1)) AS bucket,
                       min(drawdown) OVER (PARTITION BY least(floor(offset_seconds / step), \(points - 1))) AS worst
                FROM windowed
            )
            SELECT DISTINCT ON (bucket) t, equity, round(worst, 4) FROM bucketed ORDER BY bucket, t DESC, id DESC
            """, logger: logger
        )
        var result: [EquityPointView] = []
        for try await (time, equity, drawdown) in rows.decode((Date, Decimal, Decimal).self) {
            result.append(EquityPointView(time: time, equity: equity.description, drawdownPercent: drawdown.description))
        }
        return EquityCurveView(sessionID: session.id, initialBalance: session.initialBalance, points: result)
    }
}
