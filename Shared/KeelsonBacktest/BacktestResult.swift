import Foundation
import KeelsonDomain
import KeelsonTrading

/// What a backtest produced: closed round trips, the position still open at the end, the equity at every
/// bar's close, and the statistics.
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
    public var equity: [EquityPoint]
    public var finalEquity: Decimal
    public var feesPaid: Decimal
    /// Bars with a position held at the close.
    public var barsInMarket: Int
    public var statistics: BacktestStatistics
}
