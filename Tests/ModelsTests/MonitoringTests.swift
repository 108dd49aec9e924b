import Foundation
import KeelsonDomain
import KeelsonModels
import Testing

extension ModelsSuite {
    /// Drift and live hit rate, the figures that tell a served model no longer fits the market.
    @Suite struct MonitoringTests {
        /// Box–Muller on the shared generator: normal values with a fixed seed.
        static func normals(_ count: Int, mean: Double, seed: UInt64) -> [Double] {
            var generator = SplitMix64(seed: seed)
            func uniform() -> Double { (Double(generator.next() >> 11) + 0.5) / Double(1 << 53) }
            return (0..<count).map { _ in mean + sqrt(-2 * log(uniform())) * cos(2 * .pi * uniform()) }
        }

        @Test func decilesSplitTheTrainingValuesIntoTenths() {
            let distribution = FeatureDistribution(fitting: (1...1000).map(Double.init).shuffled())
            #expect(distribution.edges == [101, 201, 301, 401, 501, 601, 701, 801, 901])
            #expect(distribution.proportions.count == 10)
            #expect(abs(distribution.proportions.reduce(0, +) - 1) < 1e-12)
            #expect(distribution.proportions.allSatisfy { abs($0 - 0.1) <= 0.0011 })
            #expect(distribution.bin(of: -5) == 0 && distribution.bin(of: 101) == 0 && distribution.bin(of: 101.5) == 1 && distribution.bin(of: 5000) == 9)
            // A feature with two values keeps one cut point, not nine repeated ones.
            let binary = FeatureDistribution(fitting: [0, 0, 0, 1, 1])
            #expect(binary.edges == [0] && binary.proportions == [0.6, 0.4])
            let constant = FeatureDistribution(fitting: [3, 3, 3])
            #expect(constant.edges.isEmpty && constant.proportions == [1])
        }

        @Test func populationStabilityIndexIsTheTextbookSum() {
            var stability = PopulationStability(distribution: FeatureDistribution(edges: [0], proportions: [0.5, 0.5]), window: 100)
            #expect(stability.index == nil)
            for value in 0..<100 { stability.observe(value < 75 ? -1 : 1) }
            // (0.75 − 0.5)·ln(0.75/0.5) + (0.25 − 0.5)·ln(0.25/0.5)
            let expected = 0.25 * log(1.5) + -0.25 * log(0.5)
            #expect(abs(stability.index! - expected) < 1e-12)
            // The window slides: 100 more values above 0 push every earlier one out.
            for _ in 0..<100 { stability.observe(1) }
            #expect(stability.observed == 100)
            #expect(abs(stability.index! - ((1 - 0.5) * log(1 / 0.5) + (0.0001 - 0.5) * log(0.0001 / 0.5))) < 1e-12)
        }

        @Test func stableDataScoresLowAndShiftedDataHigh() {
            let distribution = FeatureDistribution(fitting: Self.normals(20_000, mean: 0, seed: 1))
            var same = PopulationStability(distribution: distribution)
            var shifted = PopulationStability(distribution: distribution)
            for value in Self.normals(500, mean: 0, seed: 2) { same.observe(value) }
            for value in Self.normals(500, mean: 1, seed: 3) { shifted.observe(value) }
            #expect(same.index! < 0.1, "same distribution: \(same.index!)")
            #expect(shifted.index! > 0.25, "mean moved by one deviation: \(shifted.index!)")
        }

        @Test func liveHitRateCountsUpCallsResolvedHorizonBarsLater() {
            var hits = LiveHitRate(horizon: 2, window: 3)
            // Bars: closes with the probability predicted at each; an up call (p > 0.5) at bar i resolves at bar i + 2.
            let bars: [(Double, Double?)] = [(100, 0.7), (101, nil), (102, 0.4), (99, 0.6), (103, 0.9), (104, 0.8), (103, 0.2), (105, 0.6)]
            var outcomes: [Bool?] = []
            for (close, probability) in bars { outcomes.append(hits.observe(close: close, probability: probability)) }
            // Bar 2 resolves bar 0 (102 > 100: hit); bar 3 resolves bar 1 (no prediction); bar 4 resolves bar 2 (a down call:
            // not counted); bar 5 resolves bar 3 (104 > 99: hit); bar 6 resolves bar 4 (103 is not above 103: miss); bar 7
            // resolves bar 5 (105 > 104: hit), pushing the first hit out of the three-call window.
            #expect(outcomes == [nil, nil, true, nil, nil, true, false, true])
            #expect(hits.resolved == 3 && hits.rate == 2.0 / 3)
            // Dropped pending calls never resolve; a new call does, and its miss replaces the oldest hit in the window.
            hits.dropPending()
            #expect(hits.observe(close: 1, probability: 0.9) == nil)
            #expect(hits.observe(close: 2, probability: nil) == nil)
            #expect(hits.observe(close: 0.5, probability: nil) == false)
            #expect(hits.resolved == 3 && hits.rate == 1.0 / 3)
        }

        @Test func trainingFreezesEachFeaturesDecilesOnItsStandardisedValues() throws {
            let bars = try Fixtures.sampleBars()
            let model = try ModelTraining.run(
                ModelTraining.Request(
                    bars: bars, features: try FeatureName.list(parsing: FeatureTests.btcFeatures), label: .nextReturn(horizon: 5),
                    specification: .logistic(c: 1))
            ).model
            for feature in model.features {
                let distribution = try #require(feature.distribution, "\(feature.name) has no deciles")
                #expect(abs(distribution.proportions.reduce(0, +) - 1) < 1e-9)
                // Standardised values: the median cut point sits near zero for any roughly symmetric feature, and
                // every cut point within a few deviations.
                #expect(distribution.edges.allSatisfy { abs($0) < 10 }, "\(feature.name): \(distribution.edges)")
            }
            // A model.json without deciles (trained before they were kept) still reads.
            var older = model
            for index in older.features.indices { older.features[index].distribution = nil }
            let json = try JSONEncoder().encode(older)
            #expect(!String(decoding: json, as: UTF8.self).contains("distribution"))
            #expect(try JSONDecoder().decode(TrainedModel.self, from: json) == older)
        }
    }
}
