import Foundation
import KeelsonDomain
import KeelsonTrading
import Testing

@Suite("Symbol rules: lot step, minimums, tick size")
struct SymbolRulesTests {
    let spot = SymbolRules.defaultSpot

    @Test func defaultSpotIsBinanceBTCUSDT() {
        #expect(spot.tickSize == dec("0.01"))
        #expect(spot.stepSize == dec("0.00001"))
        #expect(spot.minQuantity == dec("0.00001"))
        #expect(spot.minNotional == 5)
    }

    /// 0.123456789 → 0.12345 with a 0.00001 lot step: always down, never to the nearest (0.12346).
    @Test func quantityRoundsDownToTheLotStep() throws {
        let sized = try spot.sizedQuantity(dec("0.123456789"), price: 30_000, symbol: btc).get()
        #expect(sized == dec("0.12345"))
        // 0.083333… (2500 / 30000) → 0.08333.
        #expect(try spot.sizedQuantity(dec("2500") / 30_000, price: 30_000, symbol: btc).get() == dec("0.08333"))
        // Already a multiple: unchanged.
        #expect(try spot.sizedQuantity(dec("0.5"), price: 30_000, symbol: btc).get() == dec("0.5"))
    }

    @Test func quantityWithACoarseStep() throws {
        let rules = SymbolRules(tickSize: dec("0.5"), stepSize: dec("0.25"), minQuantity: dec("0.25"), minNotional: 1)
        #expect(try rules.sizedQuantity(dec("1.99"), price: 10, symbol: btc).get() == dec("1.75"))
        #expect(try rules.sizedQuantity(dec("2"), price: 10, symbol: btc).get() == dec("2"))
    }

    /// 0.0099 with a 0.001 step → 0.009, below the minimum 0.01.
    @Test func belowMinimumQuantityIsTooSmall() {
        let rules = SymbolRules(tickSize: dec("0.01"), stepSize: dec("0.001"), minQuantity: dec("0.01"), minNotional: 5)
        let result = rules.sizedQuantity(dec("0.0099"), price: 30_000, symbol: btc)
        guard case .failure(let rejection) = result else {
            Issue.record("expected a rejection, got \(result)")
            return
        }
        #expect(rejection.code == .orderTooSmall)
        #expect(rejection.reason.contains("BTCUSDT"))
        #expect(rejection.reason.contains("quantity 0.0099"))
        #expect(rejection.reason.contains("rounds down to 0.009"))
        #expect(rejection.reason.contains("below the minimum 0.01"))
        #expect(rejection.reason.contains("lot step 0.001"))
    }

    /// Less than one lot step rounds to zero, which is never an order.
    @Test func quantityRoundingToZeroIsTooSmall() {
        let result = spot.sizedQuantity(dec("0.000009"), price: 30_000, symbol: btc)
        guard case .failure(let rejection) = result else {
            Issue.record("expected a rejection, got \(result)")
            return
        }
        #expect(rejection.code == .orderTooSmall)
        #expect(rejection.reason.contains("rounds down to 0,"))
    }

    /// 0.0001 × 30000 = 3 < 5.
    @Test func belowMinimumNotionalIsTooSmall() {
        let result = spot.sizedQuantity(dec("0.0001"), price: 30_000, symbol: btc)
        guard case .failure(let rejection) = result else {
            Issue.record("expected a rejection, got \(result)")
            return
        }
        #expect(rejection.code == .orderTooSmall)
        #expect(rejection.reason.contains("0.0001 × 30000 = 3 "))
        #expect(rejection.reason.contains("minimum notional 5"))
        #expect(rejection.description.hasPrefix("order_too_small: "))
    }

    /// 0.0001 × 50000 = 5: exactly the minimum notional is allowed.
    @Test func exactlyTheMinimumNotionalIsAccepted() throws {
        #expect(try spot.sizedQuantity(dec("0.0001"), price: 50_000, symbol: btc).get() == dec("0.0001"))
        // One lot step less is not: 0.00009 × 50000 = 4.5.
        #expect(throws: RiskRejection.self) { try spot.sizedQuantity(dec("0.00009"), price: 50_000, symbol: btc).get() }
    }

    @Test func priceRoundsToTheTickInTheRequestedDirection() {
        #expect(spot.roundedPrice(dec("30000.123"), .down) == dec("30000.12"))
        #expect(spot.roundedPrice(dec("30000.123"), .up) == dec("30000.13"))
        #expect(spot.roundedPrice(dec("30000.125"), .plain) == dec("30000.13"))
        // On the tick already: unchanged both ways.
        #expect(spot.roundedPrice(dec("30000.12"), .up) == dec("30000.12"))
        #expect(spot.roundedPrice(dec("30000.12"), .down) == dec("30000.12"))
        let halfTick = SymbolRules(tickSize: dec("0.5"), stepSize: 1, minQuantity: 1, minNotional: 0)
        #expect(halfTick.roundedPrice(dec("100.3"), .up) == dec("100.5"))
        #expect(halfTick.roundedPrice(dec("100.3"), .down) == dec("100"))
        #expect(halfTick.roundedPrice(dec("100.7"), .up) == dec("101"))
    }

    @Test func codableUsesSnakeCaseKeys() throws {
        let json = #"{"tick_size": 0.5, "step_size": 0.25, "min_quantity": 1, "min_notional": 10}"#
        let rules = try JSONDecoder().decode(SymbolRules.self, from: Data(json.utf8))
        #expect(rules == SymbolRules(tickSize: dec("0.5"), stepSize: dec("0.25"), minQuantity: 1, minNotional: 10))
        let roundTrip = try JSONDecoder().decode(SymbolRules.self, from: JSONEncoder().encode(SymbolRules.defaultSpot))
        #expect(roundTrip == SymbolRules.defaultSpot)
    }
}

@Suite("Decimal rounding helpers")
struct DecimalRoundingTests {
    @Test func roundingToAMultiple() {
        #expect(dec("7.3").rounded(toMultipleOf: 2, .down) == 6)
        #expect(dec("7.3").rounded(toMultipleOf: 2, .up) == 8)
        // A step of zero or less leaves the value as it is.
        #expect(dec("7.3").rounded(toMultipleOf: 0, .down) == dec("7.3"))
        #expect(dec("7.3").rounded(toMultipleOf: -1, .up) == dec("7.3"))
    }

    @Test func roundingToAScale() {
        #expect((dec("2") / 3).rounded(scale: 4) == dec("0.6667"))
        #expect((dec("2") / 3).rounded(scale: 4, .down) == dec("0.6666"))
        #expect(dec("1.00005").rounded(scale: 4, .up) == dec("1.0001"))
    }

    @Test func approximatingADouble() {
        #expect(Decimal(approximating: 50.0) == 50)
        #expect(Decimal(approximating: 0.1) == dec("0.1"))
        #expect(Decimal(approximating: 1.234567891234) == dec("1.23456789"))
        #expect(Decimal(approximating: 0.1234567, scale: 3) == dec("0.123"))
        #expect(Decimal(approximating: .nan) == 0)
        #expect(Decimal(approximating: .infinity) == 0)
    }
}
