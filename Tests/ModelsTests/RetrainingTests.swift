import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonModels
import KeelsonTestSupport
import Testing

extension ModelsSuite {
    /// Retraining replaces the active version only when the new one is clearly better out of sample.
    @Suite struct RetrainingTests {
        static func market(bars count: Int, persistence: Double, seed: UInt64, start: Date = Date(timeIntervalSince1970: 1_704_067_200)) throws
            -> [TimedBar]
        {
            try CandleCSV.parse(RegimeMarket.csv(bars: count, persistence: persistence, seed: seed, start: start), source: "market").map(
                Fixtures.timedBar)
        }

        static func windows(over bars: [TimedBar], train: Double, test: Double) -> [WalkForwardWindow] {
            var windows: [WalkForwardWindow] = []
            var start = bars[0].openTime
            let end = bars.last!.openTime.addingTimeInterval(60)
            while start.addingTimeInterval(train + test) <= end {
                windows.append(
                    WalkForwardWindow(train: start..<start.addingTimeInterval(train), test: start.addingTimeInterval(train)..<start.addingTimeInterval(train + test)))
                start = start.addingTimeInterval(test)
            }
            return windows
        }

        static func trainActive(on bars: [TimedBar]) throws -> TrainedModel {
            try ModelTraining.run(
                ModelTraining.Request(bars: bars, features: [.return(period: 1)], label: .nextReturn(horizon: 1), specification: .logistic(c: 1))
            ).model
        }

        @Test func aMarketThatTurnedIsLearntAndTheNewVersionPromoted() throws {
            let momentum = try Self.market(bars: 3_000, persistence: 0.8, seed: 1)
            let active = try Self.trainActive(on: momentum)
            #expect(try #require(active.coefficients?["return:1"]) > 0)
            let reversal = try Self.market(bars: 3_000, persistence: 0.2, seed: 2, start: momentum.last!.openTime.addingTimeInterval(60))
            let decision = try ModelRetraining.run(
                active: active, bars: reversal, walkForward: Self.windows(over: reversal, train: 60_000, test: 30_000), margin: 0.01)
            #expect(decision.promote, "\(decision.reason)")
            #expect(decision.candidateLogLoss < decision.activeLogLoss - 0.01)
            #expect(decision.candidateLogLoss < decision.baselineLogLoss - 0.01)
            #expect(try #require(decision.candidate.coefficients?["return:1"]) < 0)
            #expect(decision.candidate.featureNames == active.featureNames && decision.candidate.hyperParameters == active.hyperParameters)
            #expect(decision.reason.hasPrefix("retrained: beats the active version and the baseline (walk-forward log-loss "))
        }

        @Test func aMarketThatDidNotChangeKeepsTheActiveVersion() throws {
            let momentum = try Self.market(bars: 6_000, persistence: 0.8, seed: 3)
            let active = try Self.trainActive(on: Array(momentum.prefix(3_000)))
            let later = Array(momentum.suffix(3_000))
            let decision = try ModelRetraining.run(
                active: active, bars: later, walkForward: Self.windows(over: later, train: 60_000, test: 30_000), margin: 0.01)
            #expect(!decision.promote, "\(decision.reason)")
            #expect(decision.activeLogLoss < decision.baselineLogLoss)
            #expect(decision.reason.hasPrefix("retrained, kept the active version: walk-forward log-loss "))
        }

        @Test func gbdtRetrainsWithItsOwnHyperParameters() throws {
            let bars = try Self.market(bars: 3_000, persistence: 0.8, seed: 4)
            let active = try ModelTraining.run(
                ModelTraining.Request(
                    bars: bars, features: [.return(period: 1), .hour], label: .nextReturn(horizon: 1),
                    specification: try ModelSpecification(kind: "gbdt", parameters: ["iterations": "15", "leaves": "7"]))
            ).model
            let decision = try ModelRetraining.run(
                active: active, bars: bars, walkForward: Self.windows(over: bars, train: 60_000, test: 30_000), margin: 0)
            #expect(decision.candidate.hyperParameters == active.hyperParameters)
            #expect(decision.candidate.boosting?.trees.count == 15)
        }
    }
}
