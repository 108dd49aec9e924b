import Foundation

/// The session's equity over market time, for charts: at most `points` points however long the session is.
extension TradingReadRepository {
    public struct EquityPointView: Codable, Sendable, Equatable {
        public var time: Date
        public var equity: String
        /// The worst drawdown from the running peak within the point's bucket, percent, ≤ 0, 4 decimals: kept per
        /// bucket so thinning the curve never hides a drawdown.
        public var drawdownPercent: String

        public init(time: Date, equity: String, drawdownPercent: String) {
            self.time = time
            self.equity = equity
            self.drawdownPercent = drawdownPercent
        }

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
        EquityCurveView(
            sessionID: session.id, initialBalance: session.initialBalance,
            points: try await storage.equityCurve(session: session, since: since, until: until, points: points))
    }
}
