import Foundation
import KeelsonDomain

/// An exchange's trading rules for one symbol: prices are multiples of the tick size, quantities multiples of
/// the lot step and at least the minimum quantity, and an order's notional at least the minimum notional.
public struct SymbolRules: Sendable, Equatable, Codable {
    public var tickSize: Decimal
    public var stepSize: Decimal
    public var minQuantity: Decimal
    public var minNotional: Decimal

    public init(tickSize: Decimal, stepSize: Decimal, minQuantity: Decimal, minNotional: Decimal) {
        self.tickSize = tickSize
        self.stepSize = stepSize
        self.minQuantity = minQuantity
        self.minNotional = minNotional
    }

    /// Binance's spot rules for BTCUSDT, a safe default for USDT pairs until the exchange's own are loaded.
    public static let defaultSpot = SymbolRules(
        tickSize: Decimal(string: "0.01")!, stepSize: Decimal(string: "0.00001")!, minQuantity: Decimal(string: "0.00001")!, minNotional: 5)

    enum CodingKeys: String, CodingKey {
        case tickSize = "tick_size", stepSize = "step_size", minQuantity = "min_quantity", minNotional = "min_notional"
    }

    /// `quantity` rounded down to the lot step, or why no order of that size can be placed at `price`.
    public func sizedQuantity(_ quantity: Decimal, price: Decimal, symbol: Symbol) -> Result<Decimal, RiskRejection> {
        let rounded = quantity.rounded(toMultipleOf: stepSize, .down)
        guard rounded > 0, rounded >= minQuantity else {
            return .failure(
                RiskRejection(
                    .orderTooSmall,
                    "\(symbol): quantity \(quantity.rounded(scale: 8)) rounds down to \(rounded), below the minimum \(minQuantity) (lot step \(stepSize))"
                ))
        }
        let notional = rounded * price
        guard notional >= minNotional else {
            return .failure(
                RiskRejection(
                    .orderTooSmall, "\(symbol): \(rounded) × \(price) = \(notional.rounded(scale: 2)) is below the minimum notional \(minNotional)"))
        }
        return .success(rounded)
    }

    public func roundedPrice(_ price: Decimal, _ mode: NSDecimalNumber.RoundingMode) -> Decimal {
        price.rounded(toMultipleOf: tickSize, mode)
    }
}
