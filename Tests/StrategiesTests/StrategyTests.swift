import Foundation
import KeelsonDomain
import KeelsonStrategies
import Testing

@Suite("Built-in strategies")
struct StrategyTests {
    func run(_ strategy: some Strategy, over candles: [Candle]) -> [(index: Int, signal: StrategySignal)] {
        var strategy = strategy
        var result: [(Int, StrategySignal)] = []
        for (index, candle) in candles.enumerated() {
            for signal in strategy.evaluate(candle) { result.append((index, signal)) }
        }
        return result
    }

    @Test("sma_crossover(10, 30) on GOOG signals on exactly the bars before the reference entries and exits")
    func smaCrossoverMatchesReference() throws {
        let candles = try ReferenceData.googCandles()
        #expect(candles.count == 2148)
        let trades = try ReferenceData.googTrades()
        #expect(trades.count == 32)
        let signals = run(try SMACrossover.make(["fast": 10, "slow": 30]), over: candles)

        let buys = signals.filter { $0.signal.side == .buy }.map(\.index)
        let sells = signals.filter { $0.signal.side == .sell }.map(\.index)
        // The reference fills at the next bar's open, so each signal is on the bar before its fill. The last
        // entry (2012-12-04) is still open at the end of the file, so it has no exit.
        let openEntry = try #require(candles.firstIndex { $0.openTime == (try? Date("2012-12-04T00:00:00Z", strategy: .iso8601)) })
        #expect(buys == trades.map { $0.entryBar - 1 } + [openEntry - 1])
        // Crosses alternate; a cross down before the first cross up closes nothing in the reference.
        let expectedSells = trades.map { $0.exitBar - 1 }
        #expect(sells.filter { $0 > buys[0] } == expectedSells)
        #expect(sells.filter { $0 < buys[0] }.count <= 1)
        for (index, signal) in signals {
            #expect(signal.barTime == candles[index].openTime)
            #expect(signal.price == candles[index].close)
            #expect(signal.symbol.rawValue == "GOOG")
            #expect(signal.reason.contains("SMA(10)"))
        }
    }

    @Test("every built-in strategy is deterministic and produces signals on GOOG", arguments: StrategyCatalog.builtFromParameters.map { $0.name })
    func deterministic(name: String) throws {
        let candles = try ReferenceData.googCandles()
        let first = run(try StrategyCatalog.make(name), over: candles).map(\.signal)
        let second = run(try StrategyCatalog.make(name), over: candles).map(\.signal)
        #expect(!first.isEmpty)
        #expect(first == second)
        #expect(first.allSatisfy { (0...1).contains($0.strength) && !$0.reason.isEmpty })
    }

    @Test("no signal during warm-up")
    func warmUp() throws {
        let candles = try ReferenceData.googCandles()
        for name in StrategyCatalog.builtFromParameters.map({ $0.name }) {
            let strategy = try StrategyCatalog.make(name)
            let firstSignal = run(strategy, over: candles).first?.index ?? .max
            #expect(firstSignal >= strategy.warmUpBars - 1, Comment(rawValue: name))
        }
    }

    @Test("invalid parameters are refused with a sentence naming the parameter and its bounds")
    func invalidParameters() {
        #expect(throws: StrategyError.unknownStrategy(name: "moon", available: StrategyCatalog.names)) {
            try StrategyCatalog.make("moon")
        }
        #expect { try StrategyCatalog.make("sma_crossover", parameters: ["fast": 1]) } throws: { error in
            "\(error)" == "sma_crossover parameter fast=1 is out of bounds; expected a whole number from 2 to 500"
        }
        #expect { try StrategyCatalog.make("sma_crossover", parameters: ["fast": 10.5]) } throws: { error in
            "\(error)".contains("fast=10.5 is out of bounds")
        }
        #expect { try StrategyCatalog.make("sma_crossover", parameters: ["fast": 30, "slow": 10]) } throws: { error in
            "\(error)" == "sma_crossover: fast (30) must be smaller than slow (10)"
        }
        #expect { try StrategyCatalog.make("rsi_mean_reversion", parameters: ["period": 14, "speed": 2]) } throws: { error in
            "\(error)" == "rsi_mean_reversion has no parameter 'speed'; its parameters are: period, oversold, overbought"
        }
        #expect { try StrategyCatalog.make("bollinger_breakout", parameters: ["k": .nan]) } throws: { error in
            "\(error)".contains("bollinger_breakout parameter k")
        }
    }
}
