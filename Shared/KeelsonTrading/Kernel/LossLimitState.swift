import Foundation

/// What the loss limits are measured against, and the state they put trading in: the peak equity (drawdown), the
/// trading day (UTC) and the equity it started with (daily loss).
public struct LossLimitState: Sendable, Equatable {
    public var state: TradingState
    public var peakEquity: Decimal
    /// `yyyy-MM-dd` (UTC) of the last bar seen; nil before the first.
    public var tradingDay: String?
    public var dayStartEquity: Decimal?
    /// The daily loss is measured from this while no day has started.
    public var initialBalance: Decimal
    /// The current day's bounds in seconds since 1970, so a bar of the same day needs no date formatting.
    var dayStart = Double.infinity
    var dayEnd = -Double.infinity

    public init(state: TradingState, peakEquity: Decimal, tradingDay: String?, dayStartEquity: Decimal?, initialBalance: Decimal) {
        self.state = state
        self.peakEquity = peakEquity
        self.tradingDay = tradingDay
        self.dayStartEquity = dayStartEquity
        self.initialBalance = initialBalance
    }

    static let dayFormat: Date.ISO8601FormatStyle = .iso8601.year().month().day()

    /// True when `time` falls on another UTC day than the last bar's.
    public func isNewDay(_ time: Date) -> Bool {
        let seconds = time.timeIntervalSince1970
        return !(seconds >= dayStart && seconds < dayEnd)
    }

    /// Moves to the UTC day of `time`; a day other than the one recorded starts with `equity()`.
    mutating func roll(to time: Date, equity: () -> Decimal) {
        let seconds = time.timeIntervalSince1970
        dayStart = (seconds / 86_400).rounded(.down) * 86_400
        dayEnd = dayStart + 86_400
        let day = time.formatted(Self.dayFormat)
        guard tradingDay != day else { return }
        tradingDay = day
        dayStartEquity = equity()
    }

    /// After trading was resumed: drawdown and the day's loss count from `equity`.
    public mutating func resetReferences(to equity: Decimal) {
        peakEquity = equity
        dayStartEquity = equity
    }
}
