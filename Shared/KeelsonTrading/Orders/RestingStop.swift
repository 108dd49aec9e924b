import Foundation

/// A stop-loss resting on the exchange: a sell limit at `limitPrice` that the exchange holds until the market falls
/// to `stopPrice` (Binance STOP_LOSS_LIMIT). It protects a live position while no engine watches it; the engine's
/// own stop still decides while it runs, cancelling this order first.
public struct RestingStop: Sendable, Equatable, Codable {
    public var stopPrice: Decimal
    public var limitPrice: Decimal

    public init(stopPrice: Decimal, limitPrice: Decimal) {
        self.stopPrice = stopPrice
        self.limitPrice = limitPrice
    }

    /// The stop for a position whose stop level is `level`: on the tick grid at or below it, the limit `offsetBps`
    /// lower (room to fill in a falling market), also on the grid.
    public static func protecting(level: Decimal, offsetBps: Decimal, tickSize: Decimal) -> RestingStop {
        let stop = level.rounded(toMultipleOf: tickSize, .down)
        let limit = (stop * (1 - offsetBps / 10_000)).rounded(toMultipleOf: tickSize, .down)
        return RestingStop(stopPrice: stop, limitPrice: limit)
    }
}
