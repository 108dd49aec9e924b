import Foundation
import KeelsonModels
import Testing

extension ModelsSuite {
    @Suite struct TrainingTests {
        static func request(_ specification: ModelSpecification, walkForward: [WalkForwardWindow]? = nil) throws -> ModelTraining.Request {
            ModelTraining.Request(
                bars: try Fixtures.sampleBars(), features: try FeatureName.list(parsing: FeatureTests.btcFeatures),
                label: try LabelName(parsing: "next_return:h=5"), specification: specification, walkForward: walkForward)
        }

        static func encoded(_ model: TrainedModel) throws -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            return try encoder.encode(model)
        }

        @Test(arguments: ["logistic", "gbdt"])
        func trainingTwiceGivesTheSameModelByteForByte(_ kind: String) throws {
            let specification = try ModelSpecification(kind: kind, parameters: kind == "gbdt" ? ["iterations": "20", "early_stopping": "true"] : [:])
            let first = try ModelTraining.run(try Self.request(specification))
            let second = try ModelTraining.run(try Self.request(specification))
            #expect(try Self.encoded(first.model) == Self.encoded(second.model))
            #expect(first.predictions == second.predictions)
        }

        /// What model.json holds reads back to the same predictions, and serving bar by bar gives the probabilities
        /// training wrote for the same bars.
        @Test(arguments: ["logistic", "gbdt"])
        func theArtefactServesWhatTrainingPredicted(_ kind: String) throws {
            let specification = try ModelSpecification(kind: kind, parameters: kind == "gbdt" ? ["iterations": "30", "depth": "4"] : ["C": "0.5"])
            let result = try ModelTraining.run(try Self.request(specification))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let model = try decoder.decode(TrainedModel.self, from: try Self.encoded(result.model))
            #expect(model == result.model)
            if kind == "logistic" {
                #expect(Set(model.coefficients!.keys) == Set(model.features.map(\.name.description)))
            }
            var serving = try StreamingModel(model)
            var served: [Date: Double] = [:]
            for bar in try Fixtures.sampleBars() {
                if let reading = serving.update(bar.ohlcv, openTime: bar.openTime) { served[bar.openTime] = reading.probability }
            }
            #expect(result.predictions.count == result.model.training.rows + (result.model.test?.rows ?? 0))
            for prediction in result.predictions {
                #expect(served[prediction.time] == prediction.probability)
            }
        }

        @Test func heldOutRowsComeAfterTheTrainingRowsAndAreScored() throws {
            let result = try ModelTraining.run(try Self.request(.logistic(c: 1)))
            let test = try #require(result.model.test)
            #expect(result.model.training.to < test.from)
            #expect(test.rows == Int((Double(result.model.training.rows + test.rows) * 0.2).rounded(.down)))
            let metrics = try #require(result.model.metrics.test)
            #expect(metrics.rows == test.rows)
            #expect((0.5...0.8).contains(metrics.logLoss))
            #expect(result.model.metrics.baselineLogLoss != nil)
        }

        @Test func walkForwardTrainsOnlyOnThePastOfEachTestWindow() throws {
            let start = try Fixtures.sampleBars()[0].openTime
            let hour = 3_600.0
            // 24 h of training, 6 h of test, sliding by 6 h over the sample's three days.
            let windows = (0..<8).map { fold in
                let trainStart = start.addingTimeInterval(Double(fold) * 6 * hour)
                return WalkForwardWindow(
                    train: trainStart..<trainStart.addingTimeInterval(24 * hour),
                    test: trainStart.addingTimeInterval(24 * hour)..<trainStart.addingTimeInterval(30 * hour))
            }
            let result = try ModelTraining.run(try Self.request(.logistic(c: 1), walkForward: windows))
            let scores = try #require(result.model.metrics.walkForward)
            #expect(scores.folds.count == 8)
            for (index, fold) in scores.folds.enumerated() {
                #expect(fold.training.from >= windows[index].train.lowerBound && fold.training.to < windows[index].train.upperBound)
                #expect(fold.test.from >= windows[index].test.lowerBound && fold.test.to < windows[index].test.upperBound)
                #expect(fold.test.rows == 360 || index == 7)
                #expect(fold.training.to < fold.test.from)
                if index > 0 { #expect(fold.test.from > scores.folds[index - 1].test.to) }
            }
            let mean = scores.folds.map(\.metrics.logLoss).reduce(0, +) / Double(scores.folds.count)
            #expect(abs(scores.meanLogLoss - mean) < 1e-15)
        }

        @Test func aDamagedArtefactIsRefusedWithTheReason() throws {
            var model = try ModelTraining.run(try Self.request(.logistic(c: 1))).model
            model.coefficients?.removeValue(forKey: "rsi:14")
            #expect {
                _ = try StreamingModel(model)
            } throws: { error in
                (error as? ModelError)?.description == "the logistic model has no coefficient for feature 'rsi:14'"
            }
            model.kind = "forest"
            #expect(throws: ModelError.self) { try StreamingModel(model) }
        }

        @Test(arguments: [
            ("logistic", ["C": "0"], "C must be a positive number"),
            ("logistic", ["depth": "3"], "logistic has no parameter 'depth'"),
            ("gbdt", ["depht": "3"], "gbdt has no parameter 'depht'"),
            ("gbdt", ["learning_rate": "2"], "learning_rate must be a number from"),
            ("gbdt", ["early_stopping": "yes"], "early_stopping must be true or false"),
            ("forest", [:], "unknown model 'forest'"),
        ])
        func badModelSettingsAreRefusedInOneLine(_ kind: String, _ parameters: [String: String], _ expected: String) {
            #expect {
                _ = try ModelSpecification(kind: kind, parameters: parameters)
            } throws: { error in
                ((error as? ModelError)?.description ?? "").contains(expected)
            }
        }

        @Test func tooLittleDataIsRefused() throws {
            let bars = Array(try Fixtures.sampleBars().prefix(40))
            #expect {
                _ = try ModelTraining.run(
                    ModelTraining.Request(
                        bars: bars, features: [.macdHistogram(fast: 12, slow: 26, signal: 9)], label: .nextReturn(horizon: 5),
                        specification: .logistic(c: 1)))
            } throws: { error in
                ((error as? ModelError)?.description ?? "").contains("only 2 rows have every feature and a label (from 40 bars)")
            }
        }
    }
}
