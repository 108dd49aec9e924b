import Foundation
import KeelsonDomain

/// How the paper broker and the backtester turn an order into a fill: half the spread, plus market impact
/// growing with the square root of the order's share of the bar's volume, plus a share of the bar's range
/// (volatility); taker fees; a simulated exchange latency; and at most `maxParticipation` of a bar's volume per
/// fill, so a large order fills over several bars.
public struct ExecutionModel: Sendable, Equatable, Codable {
    public var spreadBps: Decimal
    /// Slippage in bps when an order is the whole bar's volume; scaled by √participation.
    public var impactBps: Decimal
    /// Share of the bar's high–low range (in bps of price) added as slippage.
    public var volatilityFactor: Decimal
    public var takerFeeRate: Decimal
    public var makerFeeRate: Decimal
    public var latencyMilliseconds: Double
    public var maxParticipation: Decimal?

    public init(
        spreadBps: Decimal, impactBps: Decimal, volatilityFactor: Decimal, takerFeeRate: Decimal, makerFeeRate: Decimal, latencyMilliseconds: Double,
        maxParticipation: Decimal?
    ) {
        self.spreadBps = spreadBps
        self.impactBps = impactBps
        self.volatilityFactor = volatilityFactor
        self.takerFeeRate = takerFeeRate
        self.makerFeeRate = makerFeeRate
        self.latencyMilliseconds = latencyMilliseconds
        self.maxParticipation = maxParticipation
    }

    /// Binance spot taker fees (0.1 %), a 2 bps spread, 50 bps of impact at full participation, 5 % of the bar
    /// range, 50 ms latency, at most 25 % of a bar's volume.
    public static let standard = ExecutionModel(
        spreadBps: 2, impactBps: 50, volatilityFactor: Decimal(string: "0.05")!, takerFeeRate: Decimal(string: "0.001")!,
        makerFeeRate: Decimal(string: "0.001")!, latencyMilliseconds: 50, maxParticipation: Decimal(string: "0.25")!
    )

    enum CodingKeys: String, CodingKey {
        case spreadBps = "spread_bps", impactBps = "impact_bps", volatilityFactor = "volatility_factor", takerFeeRate = "taker_fee_rate"
        case makerFeeRate = "maker_fee_rate", latencyMilliseconds = "latency_ms", maxParticipation = "max_participation"
    }

    public func validated() throws(RiskSettingsError) -> ExecutionModel {
        func check(_ ok: Bool, _ field: String, _ value: String, _ expected: String) throws(RiskSettingsError) {
            if !ok { throw RiskSettingsError(field: field, value: value, expected: expected) }
        }
        try check(spreadBps >= 0, "spread_bps", "\(spreadBps)", "0 or more")
        try check(impactBps >= 0, "impact_bps", "\(impactBps)", "0 or more")
        try check(volatilityFactor >= 0 && volatilityFactor <= 1, "volatility_factor", "\(volatilityFactor)", "from 0 to 1")
        try check(takerFeeRate >= 0 && takerFeeRate < Decimal(string: "0.1")!, "taker_fee_rate", "\(takerFeeRate)", "from 0 to 0.1 (0.001 is 0.1 %)")
        try check(makerFeeRate >= 0 && makerFeeRate < Decimal(string: "0.1")!, "maker_fee_rate", "\(makerFeeRate)", "from 0 to 0.1")
        try check(latencyMilliseconds >= 0, "latency_ms", "\(latencyMilliseconds)", "0 or more")
        try check(
            maxParticipation.map { $0 > 0 && $0 <= 1 } ?? true, "max_participation", maxParticipation.map { "\($0)" } ?? "none",
            "above 0 and at most 1, or absent for no cap")
        return self
    }

    /// The fill of up to `quantity` of a market order at `referencePrice` (the next price seen) in `bar`.
    public func fill(side: TradeSide, quantity: Decimal, referencePrice: Decimal, bar: Candle, rules: SymbolRules) -> SimulatedFill? {
        guard quantity.isPositive, referencePrice.isPositive else { return nil }
        var filled = quantity
        if let cap = maxParticipation, bar.volume.isPositive {
            let share = bar.volume.times(cap).rounded(toMultipleOf: rules.stepSize, .down)
            let allowed = share.isBelow(rules.stepSize) ? rules.stepSize : share
            if allowed.isBelow(quantity) { filled = allowed }
        }
        // Terms whose factor is zero are left out rather than computed, and the rest use the integer fast paths
        // (`times`, `plus`, …): a backtest fills tens of thousands of orders.
        var slippageBps = spreadBps.isZero ? 0 : spreadBps.times(Self.half)
        if !impactBps.isZero {
            let participation = bar.volume > 0 ? min((filled / bar.volume).doubleValue, 1) : 1
            slippageBps = slippageBps.plus(impactBps.times(Decimal(approximating: participation.squareRoot(), scale: 6)))
        }
        if !volatilityFactor.isZero, bar.open.isPositive {
            slippageBps = slippageBps.plus(volatilityFactor.times((bar.high.minus(bar.low) / bar.open).times(10_000)))
        }
        // Rounding away from the trader: buys round up to the tick, sells down.
        let fraction = slippageBps.times(Self.basisPoint)
        let slipped =
            slippageBps.isZero ? referencePrice : referencePrice.times(side == .buy ? Decimal(1).plus(fraction) : Decimal(1).minus(fraction))
        let price = rules.roundedPrice(slipped, side == .buy ? .up : .down)
        let fee = takerFeeRate.isZero ? 0 : price.times(filled).times(takerFeeRate).rounded(scale: 8, .up)
        let realisedBps =
            price.isSameValue(as: referencePrice)
            ? 0
            : (side == .buy ? price.minus(referencePrice) : referencePrice.minus(price)).times(10_000).quotient(dividingBy: referencePrice, scale: 4)
        return SimulatedFill(quantity: filled, price: price, fee: fee, slippageBps: realisedBps, latencyMilliseconds: latencyMilliseconds)
    }

    private static let half = Decimal(string: "0.5")!
    private static let basisPoint = Decimal(string: "0.0001")!
}

/// One simulated execution: what traded, at what price and cost, and how far from the expected price.
public struct SimulatedFill: Sendable, Equatable {
    public var quantity: Decimal
    public var price: Decimal
    public var fee: Decimal
    public var slippageBps: Decimal
    public var latencyMilliseconds: Double
}
