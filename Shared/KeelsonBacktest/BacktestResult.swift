import Foundation
import KeelsonDomain
import KeelsonTrading

/// What a backtest produced: closed round trips, the position still open at the end, a sample of the equity
/// curve (every bar's equity went to the run's equity observer, if it had one), and the statistics.
public struct BacktestResult: Sendable {
    public struct OpenTrade: Sendable, Equatable {
        public var entryTime: Date
        public var entryPrice: Decimal
        public var quantity: Decimal
        /// Marked at the last close.
        public var unrealizedPnl: Decimal
    }

    /// A loss limit that halted trading: no entries after it, exits and stops still ran (as in the engine, which
    /// stays halted until an operator resumes).
    public struct Halt: Sendable, Equatable, Codable {
        /// The open time of the bar at whose close the limit was reached.
        public var time: Date
        /// `daily_loss_limit` or `max_drawdown`.
        public var kind: String
        public var reason: String
    }

    public var trades: [ClosedTrade]
    public var halts: [Halt]
    public var openTrade: OpenTrade?
    /// At most a few thousand points, the first and last bars included.
    public var equityCurve: [EquityTracker.Sample]
    public var bars: Int
    public var firstBarTime: Date?
    public var lastBarTime: Date?
    public var finalEquity: Decimal
    public var feesPaid: Decimal
    /// Bars with a position held at the close.
    public var barsInMarket: Int
    public var statistics: BacktestStatistics
}
