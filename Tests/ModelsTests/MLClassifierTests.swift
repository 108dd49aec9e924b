import Foundation
import KeelsonDomain
import KeelsonModels
import KeelsonStrategies
import Testing

extension ModelsSuite {
    /// The ml_classifier strategy trades exactly on the model's served probabilities: a buy where the probability
    /// crosses above entry, a sell where it crosses below exit, nothing else.
    @Suite struct MLClassifierTests {
        @Test func signalsAreTheCrossingsOfTheServedProbabilities() throws {
            let bars = try Fixtures.sampleBars()
            let model = try ModelTraining.run(
                ModelTraining.Request(
                    bars: bars, features: try FeatureName.list(parsing: FeatureTests.btcFeatures), label: .nextReturn(horizon: 5),
                    specification: .logistic(c: 1))
            ).model
            let (entry, exit) = (0.55, 0.45)
            var strategy = try StrategyCatalog.make("ml_classifier", parameters: ["model": 7, "entry": entry, "exit": exit], model: model)
            var serving = try StreamingModel(model)
            var previous: Double?
            var expected: [(TradeSide, Date)] = []
            var signals: [StrategySignal] = []
            for bar in bars {
                let candle = Candle(
                    exchange: "file", symbol: try Symbol(parsing: "BTCUSDT"), interval: .oneMinute, openTime: bar.openTime,
                    open: Decimal(bar.ohlcv.open), high: Decimal(bar.ohlcv.high), low: Decimal(bar.ohlcv.low), close: Decimal(bar.ohlcv.close),
                    volume: Decimal(bar.ohlcv.volume))
                signals += strategy.evaluate(candle, bar: bar.ohlcv)
                guard let probability = serving.probability(after: bar.ohlcv, openTime: bar.openTime) else { continue }
                if let previous {
                    if previous < entry && probability > entry { expected.append((.buy, bar.openTime)) }
                    if previous > exit && probability < exit { expected.append((.sell, bar.openTime)) }
                }
                previous = probability
            }
            #expect(expected.count > 10)
            #expect(signals.map(\.side) == expected.map(\.0))
            #expect(signals.map(\.barTime) == expected.map(\.1))
            #expect(signals.allSatisfy { $0.reason.hasPrefix("model 7: probability of a rise ") })
            #expect(strategy.warmUpBars == 34)
        }

        @Test func withoutItsModelTheStrategyIsRefusedWithWhatToDo() {
            #expect {
                _ = try StrategyCatalog.make("ml_classifier", parameters: ["model": 3])
            } throws: { error in
                (error as? StrategyError)?.description
                    == "ml_classifier: model 3 must be loaded from the model registry; run it with `keelson backtest`, which reads the registry"
            }
        }

        @Test func exitMustBeBelowEntry() throws {
            let model = try ModelTraining.run(
                ModelTraining.Request(
                    bars: try Fixtures.sampleBars(), features: [.rsi(period: 14)], label: .nextReturn(horizon: 5), specification: .logistic(c: 1))
            ).model
            #expect(throws: StrategyError.self) {
                try StrategyCatalog.make("ml_classifier", parameters: ["model": 1, "entry": 0.5, "exit": 0.5], model: model)
            }
        }
    }
}
