/// Why the risk manager refused an order; the code is stable (metrics, filters), the reason is a sentence.
public struct RiskRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable, CaseIterable {
        case tradingHalted = "trading_halted"
        case tradingStopped = "trading_stopped"
        case symbolNotTraded = "symbol_not_traded"
        case otherTimeframe = "other_timeframe"
        case positionOpen = "position_open"
        case noPosition = "no_position"
        case maxOpenPositions = "max_open_positions"
        case cooldown
        case noVolatility = "no_volatility"
        case noPrice = "no_price"
        case orderTooSmall = "order_too_small"
        case insufficientCash = "insufficient_cash"
        case staleSignal = "stale_signal"
        case exitPending = "exit_pending"
        case allocationUsed = "allocation_used"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
