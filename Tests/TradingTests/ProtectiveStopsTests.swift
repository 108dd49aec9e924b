import Foundation
import KeelsonDomain
import KeelsonTrading
import Testing

@Suite("Protective stops")
struct ProtectiveStopsTests {
    /// Entry at 100: stop 95, take-profit 110, no trailing stop.
    let fixed = ProtectiveStops(stopPrice: 95, takeProfitPrice: 110, trailingDistance: nil, highestPrice: 100)

    @Test func stopHitIntrabarExitsAtTheStop() throws {
        let trigger = try #require(fixed.trigger(on: bar("100", "101", "94", "96")))
        #expect(trigger.matches(.stopLoss, price: 95, level: 95))
    }

    @Test func aLowExactlyAtTheStopTriggersIt() throws {
        #expect(fixed.trigger(on: bar("100", "101", "95", "96")).matches(.stopLoss, price: 95, level: 95))
        #expect(fixed.trigger(on: bar("100", "101", "95.01", "96")) == nil)
    }

    /// The bar opens at 93, through the stop at 95: the exit is at 93, the price actually available.
    @Test func aGapThroughTheStopExitsAtTheOpen() throws {
        let trigger = try #require(fixed.trigger(on: bar("93", "94", "90", "92")))
        #expect(trigger.cause == .stopLoss)
        #expect(trigger.price == 93)
        #expect(trigger.level == 95)
    }

    @Test func takeProfitHitIntrabarExitsAtTheTarget() {
        #expect(fixed.trigger(on: bar("100", "111", "99", "105")).matches(.takeProfit, price: 110, level: 110))
        #expect(fixed.trigger(on: bar("100", "110", "99", "105")).matches(.takeProfit, price: 110, level: 110))
    }

    /// Opening above the target at 112: the exit is at 112.
    @Test func aGapThroughTheTargetExitsAtTheOpen() {
        #expect(fixed.trigger(on: bar("112", "113", "111", "112")).matches(.takeProfit, price: 112, level: 110))
    }

    /// High 112 and low 94 in one bar: which came first is unknown, so it is a stop.
    @Test func aBarTouchingBothIsAStop() {
        #expect(fixed.trigger(on: bar("100", "112", "94", "105")).matches(.stopLoss, price: 95, level: 95))
    }

    @Test func aQuietBarTriggersNothing() {
        #expect(fixed.trigger(on: bar("100", "109.99", "95.01", "101")) == nil)
        let noTarget = ProtectiveStops(stopPrice: 95, takeProfitPrice: nil, trailingDistance: nil, highestPrice: 100)
        #expect(noTarget.trigger(on: bar("100", "1000", "96", "900")) == nil)
        #expect(noTarget.trailingStopPrice == nil)
        #expect(noTarget.effectiveStop.price == 95 && noTarget.effectiveStop.cause == .stopLoss)
    }

    /// Trailing 15 below the high: from 100 it sits at 85, under the fixed 90, so the fixed stop rules. A high of 110
    /// lifts it to 95, above 90: now it is the trailing stop. A lower high (105) never pulls it back.
    @Test func trailingStopRatchetsUpAndNeverDown() throws {
        var stops = ProtectiveStops(stopPrice: 90, takeProfitPrice: nil, trailingDistance: 15, highestPrice: 100)
        #expect(stops.trailingStopPrice == 85)
        #expect(stops.effectiveStop.price == 90 && stops.effectiveStop.cause == .stopLoss)

        stops = stops.advanced(by: bar("100", "110", "99", "108"))
        #expect(stops.highestPrice == 110)
        #expect(stops.trailingStopPrice == 95)
        #expect(stops.effectiveStop.price == 95 && stops.effectiveStop.cause == .trailingStop)

        stops = stops.advanced(by: bar("108", "105", "97", "100"))
        #expect(stops.highestPrice == 110)
        #expect(stops.trailingStopPrice == 95)

        // The fixed levels never move.
        #expect(stops.stopPrice == 90 && stops.trailingDistance == 15 && stops.takeProfitPrice == nil)

        // It now triggers as a trailing stop, at its own level.
        #expect(stops.trigger(on: bar("100", "101", "94", "96")).matches(.trailingStop, price: 95, level: 95))
        // A gap below it exits at the open, still as a trailing stop.
        #expect(stops.trigger(on: bar("92", "93", "91", "92")).matches(.trailingStop, price: 92, level: 95))
    }

    /// A trailing stop level equal to the fixed stop is reported as the fixed stop-loss.
    @Test func aTrailingStopEqualToTheFixedStopIsTheStopLoss() {
        let stops = ProtectiveStops(stopPrice: 90, takeProfitPrice: nil, trailingDistance: 15, highestPrice: 105)
        #expect(stops.effectiveStop.price == 90 && stops.effectiveStop.cause == .stopLoss)
    }

    /// Entry 100, fixed stop 90, trailing 12, target 130, stepped bar by bar as the engine does (check the bar
    /// against the stops in force, then let its high move the trailing stop for the next bar):
    ///   bar 0  H 104 L 98:  stop 90 (trailing 88)          → no exit; high 104 → trailing 92
    ///   bar 1  H 108 L 101: stop 92 (trailing)             → no exit; high 108 → trailing 96
    ///   bar 2  H 112 L 99:  stop 96 (its own high 112 must not count yet: 100 would trigger) → no exit; → 100
    ///   bar 3  H 106 L 101: stop 100                       → no exit; lower high, stays 100
    ///   bar 4  H 104 L 99.5: 99.5 ≤ 100                    → trailing stop at 100
    @Test func trailingStopScenario() throws {
        let series = [
            bar("100", "104", "98", "103"),
            bar("103", "108", "101", "107"),
            bar("107", "112", "99", "104"),
            bar("104", "106", "101", "103"),
            bar("103", "104", "99.5", "100"),
            bar("100", "101", "80", "85"),
        ]
        var stops = ProtectiveStops(stopPrice: 90, takeProfitPrice: 130, trailingDistance: 12, highestPrice: 100)
        var exit: (index: Int, trigger: ExitTrigger)?
        var levels: [Decimal] = []
        for (index, candle) in series.enumerated() {
            levels.append(stops.effectiveStop.price)
            if let trigger = stops.trigger(on: candle) {
                exit = (index, trigger)
                break
            }
            stops = stops.advanced(by: candle)
        }
        let (index, trigger) = try #require(exit)
        #expect(index == 4)
        #expect(trigger.matches(.trailingStop, price: 100, level: 100))
        #expect(levels == [90, 92, 96, 100, 100])
        #expect(stops.highestPrice == 112)
    }

    @Test func codableRoundTrip() throws {
        let stops = ProtectiveStops(stopPrice: dec("29900.5"), takeProfitPrice: nil, trailingDistance: dec("150.25"), highestPrice: dec("30123.45"))
        #expect(try JSONDecoder().decode(ProtectiveStops.self, from: JSONEncoder().encode(stops)) == stops)
    }
}
