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

    public var trades: [ClosedTrade]
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
