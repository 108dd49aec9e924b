import Foundation
import KeelsonDomain
import KeelsonTrading
import Testing

@Suite("Execution model")
struct ExecutionModelTests {
    /// 2 bps spread, 50 bps impact at full participation, 5 % of the range, 0.1 % taker fee, 50 ms, 25 % of volume.
    let model = ExecutionModel.standard
    let rules = SymbolRules(tickSize: dec("0.01"), stepSize: dec("0.001"), minQuantity: dec("0.001"), minNotional: 5)
    /// Range 2 on an open of 100: 200 bps, of which 5 % = 10 bps of volatility slippage.
    let quiet = bar("100", "101", "99", "100", volume: "1000")

    @Test func standardModel() {
        #expect(model.spreadBps == 2 && model.impactBps == 50 && model.volatilityFactor == dec("0.05"))
        #expect(model.takerFeeRate == dec("0.001") && model.makerFeeRate == dec("0.001"))
        #expect(model.latencyMilliseconds == 50 && model.maxParticipation == dec("0.25"))
    }

    /// 10 of 1000 is 1 % participation, √0.01 = 0.1 → 1 (half spread) + 50 × 0.1 + 10 = 16 bps.
    /// 100.05 × 1.0016 = 100.21008 → up to 100.22; fee 100.22 × 10 × 0.001 = 1.0022;
    /// realised (100.22 − 100.05) / 100.05 = 16.9915 bps.
    @Test func buyFillsAboveTheReferenceRoundedUp() throws {
        let fill = try #require(model.fill(side: .buy, quantity: 10, referencePrice: dec("100.05"), bar: quiet, rules: rules))
        #expect(fill.quantity == 10)
        #expect(fill.price == dec("100.22"))
        #expect(fill.fee == dec("1.0022"))
        #expect(fill.slippageBps == dec("16.9915"))
        #expect(fill.latencyMilliseconds == 50)
    }

    /// 100.05 × 0.9984 = 99.88992 → down to 99.88; fee 0.9988.
    @Test func sellFillsBelowTheReferenceRoundedDown() throws {
        let fill = try #require(model.fill(side: .sell, quantity: 10, referencePrice: dec("100.05"), bar: quiet, rules: rules))
        #expect(fill.quantity == 10)
        #expect(fill.price == dec("99.88"))
        #expect(fill.fee == dec("0.9988"))
        #expect(fill.slippageBps == dec("16.9915"))
    }

    /// Participation 1 %, 9 %, 25 % → √ 0.1, 0.3, 0.5 → 16, 26, 36 bps at a reference of 100.
    @Test func slippageGrowsWithParticipation() throws {
        let expected: [(Decimal, Decimal, Decimal)] = [
            (10, dec("100.16"), dec("99.84")), (90, dec("100.26"), dec("99.74")), (250, dec("100.36"), dec("99.64")),
        ]
        for (quantity, buyPrice, sellPrice) in expected {
            let buy = try #require(model.fill(side: .buy, quantity: quantity, referencePrice: 100, bar: quiet, rules: rules))
            let sell = try #require(model.fill(side: .sell, quantity: quantity, referencePrice: 100, bar: quiet, rules: rules))
            #expect(buy.quantity == quantity && sell.quantity == quantity)
            #expect(buy.price == buyPrice)
            #expect(sell.price == sellPrice)
            #expect(buy.slippageBps == (buyPrice - 100) * 100)
        }
    }

    /// 400 wanted, 25 % of 1000 = 250 available: a partial fill of 250 at 36 bps; fee 100.36 × 250 × 0.001 = 25.09.
    @Test func participationCapGivesAPartialFill() throws {
        let fill = try #require(model.fill(side: .buy, quantity: 400, referencePrice: 100, bar: quiet, rules: rules))
        #expect(fill.quantity == 250)
        #expect(fill.price == dec("100.36"))
        #expect(fill.fee == dec("25.09"))
        #expect(fill.slippageBps == 36)
    }

    /// 25 % of 333 = 83.25 → 83.2 on a 0.1 lot step.
    @Test func theCapIsRoundedDownToTheLotStep() throws {
        let coarse = SymbolRules(tickSize: dec("0.01"), stepSize: dec("0.1"), minQuantity: dec("0.1"), minNotional: 5)
        let fill = try #require(
            model.fill(side: .buy, quantity: 100, referencePrice: 100, bar: bar("100", "101", "99", "100", volume: "333"), rules: coarse))
        #expect(fill.quantity == dec("83.2"))
        // Under the cap, the whole order fills.
        let small = try #require(
            model.fill(side: .buy, quantity: dec("83.2"), referencePrice: 100, bar: bar("100", "101", "99", "100", volume: "333"), rules: coarse))
        #expect(small.quantity == dec("83.2"))
    }

    /// 25 % of 0.002 rounds to nothing on a 0.001 step; one lot step still fills.
    @Test func aTinyBarStillFillsOneLotStep() throws {
        let fill = try #require(
            model.fill(side: .buy, quantity: 5, referencePrice: 100, bar: bar("100", "101", "99", "100", volume: "0.002"), rules: rules))
        #expect(fill.quantity == dec("0.001"))
    }

    /// No volume: the whole order at full participation, 1 + 50 bps on a flat bar → 100.51.
    @Test func aBarWithoutVolumeFillsEverythingAtFullImpact() throws {
        let fill = try #require(
            model.fill(side: .buy, quantity: 5, referencePrice: 100, bar: bar("100", "100", "100", "100", volume: "0"), rules: rules))
        #expect(fill.quantity == 5)
        #expect(fill.price == dec("100.51"))
    }

    /// 0.00123 of 1000: √(1.23e-6) = 0.001109 → 1 + 0.05545 + 10 = 11.05545 bps → 100.1606… → 100.17;
    /// fee 100.17 × 0.00123 × 0.001 = 0.0001232091 → up at 8 places: 0.00012321.
    @Test func feeIsRoundedUpAtEightPlaces() throws {
        let fill = try #require(model.fill(side: .buy, quantity: dec("0.00123"), referencePrice: dec("100.05"), bar: quiet, rules: .defaultSpot))
        #expect(fill.price == dec("100.17"))
        #expect(fill.fee == dec("0.00012321"))
    }

    @Test func aModelWithoutCostsFillsAtTheReference() throws {
        let free = ExecutionModel(
            spreadBps: 0, impactBps: 0, volatilityFactor: 0, takerFeeRate: 0, makerFeeRate: 0, latencyMilliseconds: 0, maxParticipation: 1)
        for side in TradeSide.allCases {
            let fill = try #require(free.fill(side: side, quantity: 10, referencePrice: dec("100.05"), bar: quiet, rules: rules))
            #expect(fill.quantity == 10)
            #expect(fill.price == dec("100.05"))
            #expect(fill.fee == 0)
            #expect(fill.slippageBps == 0)
            #expect(fill.latencyMilliseconds == 0)
        }
    }

    @Test func nothingToFill() {
        #expect(model.fill(side: .buy, quantity: 0, referencePrice: 100, bar: quiet, rules: rules) == nil)
        #expect(model.fill(side: .buy, quantity: -1, referencePrice: 100, bar: quiet, rules: rules) == nil)
        #expect(model.fill(side: .sell, quantity: 1, referencePrice: 0, bar: quiet, rules: rules) == nil)
    }

    @Test func validation() throws {
        #expect(try model.validated() == model)
        func field(_ change: (inout ExecutionModel) -> Void) -> String? {
            var changed = model
            change(&changed)
            do {
                _ = try changed.validated()
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field { $0.spreadBps = -1 } == "spread_bps")
        #expect(field { $0.impactBps = -1 } == "impact_bps")
        #expect(field { $0.volatilityFactor = dec("1.5") } == "volatility_factor")
        #expect(field { $0.takerFeeRate = dec("0.1") } == "taker_fee_rate")
        #expect(field { $0.makerFeeRate = -1 } == "maker_fee_rate")
        #expect(field { $0.latencyMilliseconds = -1 } == "latency_ms")
        #expect(field { $0.maxParticipation = 0 } == "max_participation")
        #expect(field { $0.maxParticipation = dec("1.01") } == "max_participation")
        #expect(field { $0.maxParticipation = 1 } == nil)
    }
}
