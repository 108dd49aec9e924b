import Foundation
import KeelsonModels
import Testing

extension ModelsSuite {
    /// Keelson's models against scikit-learn on the committed fixtures: the logistic regression's optimum is unique,
    /// so coefficients must agree to 1e-4; gradient-boosted trees are built differently in detail, so their
    /// out-of-sample log-loss must be within 2 % of HistGradientBoostingClassifier's with the same settings.
    @Suite struct ScikitLearnAgreementTests {
        struct Case {
            var table: Fixtures.Table
            var results: [String: Any]
            var matrix: FeatureMatrix
            var labels: [Double]
            var trainRows: Int

            init(_ name: String) throws {
                results = try Fixtures.results()[name] as! [String: Any]
                table = try Fixtures.table(name == "btc" ? "btc_features.csv" : "synthetic.csv")
                (matrix, labels) = Fixtures.dataset(table, features: results["features"] as! [String])
                trainRows = results["train_rows"] as! Int
            }

            var training: FeatureMatrix { matrix.rows(0..<trainRows) }
            var test: FeatureMatrix { matrix.rows(trainRows..<matrix.rows) }
        }

        @Test(arguments: ["btc", "synthetic"])
        func standardisationIsTheTrainingRowsMeanAndPopulationDeviation(_ name: String) throws {
            let fixture = try Case(name)
            let standardization = Standardization(fitting: fixture.training)
            for (ours, theirs) in zip(standardization.means, fixture.results["mean"] as! [Double]) {
                #expect(abs(ours - theirs) <= 1e-12 * max(1, abs(theirs)))
            }
            for (ours, theirs) in zip(standardization.deviations, fixture.results["standard_deviation"] as! [Double]) {
                #expect(abs(ours - theirs) <= 1e-12 * max(1, abs(theirs)))
            }
        }

        @Test(arguments: ["btc", "synthetic"])
        func logisticCoefficientsAgreeToOneInTenThousand(_ name: String) throws {
            let fixture = try Case(name)
            let standardization = Standardization(fitting: fixture.training)
            let scaled = standardization.apply(fixture.training)
            let runs = fixture.results["logistic"] as! [String: [String: Any]]
            #expect(runs.count == 2)
            for (cText, expected) in runs {
                let fit = try LogisticRegression.fit(scaled, labels: Array(fixture.labels[0..<fixture.trainRows]), c: Double(cText)!)
                let coefficients = expected["coefficients"] as! [Double]
                #expect(fit.model.coefficients.count == coefficients.count)
                for (index, (ours, theirs)) in zip(fit.model.coefficients, coefficients).enumerated() {
                    #expect(abs(ours - theirs) <= 1e-4, "C=\(cText) coefficient \(index): ours \(ours), scikit-learn \(theirs)")
                }
                let intercept = expected["intercept"] as! Double
                #expect(abs(fit.model.intercept - intercept) <= 1e-4, "C=\(cText) intercept: ours \(fit.model.intercept), scikit-learn \(intercept)")
                let probabilities = Predictor.logistic(fit.model).probabilities(standardization.apply(fixture.test))
                let loss = ClassificationMetrics(probabilities: probabilities, labels: Array(fixture.labels[fixture.trainRows...])).logLoss
                #expect(abs(loss - (expected["test_log_loss"] as! Double)) <= 1e-5)
            }
        }

        @Test(arguments: ["btc", "synthetic"])
        func boostedTreesTestLogLossIsWithinTwoPercentOfScikitLearns(_ name: String) throws {
            let fixture = try Case(name)
            let standardization = Standardization(fitting: fixture.training)
            let runs = fixture.results["gbdt"] as! [String: [String: Any]]
            #expect(!runs.isEmpty)
            for (runName, expected) in runs.sorted(by: { $0.key < $1.key }) {
                let settings = try Self.settings(expected["settings"] as! [String: Any])
                let fit = try GradientBoostedTrees.fit(
                    standardization.apply(fixture.training), labels: Array(fixture.labels[0..<fixture.trainRows]), settings: settings)
                let probabilities = Predictor.gbdt(fit.model).probabilities(standardization.apply(fixture.test))
                let ours = ClassificationMetrics(probabilities: probabilities, labels: Array(fixture.labels[fixture.trainRows...])).logLoss
                let theirs = expected["test_log_loss"] as! Double
                #expect(abs(ours - theirs) / theirs <= 0.02, "\(name) \(runName): ours \(ours) after \(fit.iterations) trees, scikit-learn \(theirs)")
                if let depth = settings.depth { #expect(fit.model.trees.allSatisfy { $0.depth <= depth }) }
                #expect(fit.model.trees.allSatisfy { $0.leaves <= settings.leaves })
            }
        }

        /// scikit-learn's names for the same settings, as the generator wrote them.
        static func settings(_ sklearn: [String: Any]) throws -> BoostingSettings {
            let names = [
                "max_iter": "iterations", "max_depth": "depth", "learning_rate": "learning_rate", "max_leaf_nodes": "leaves",
                "min_samples_leaf": "min_samples_leaf", "l2_regularization": "l2", "early_stopping": "early_stopping",
                "validation_fraction": "validation_fraction", "n_iter_no_change": "patience",
            ]
            var parameters: [String: String] = [:]
            for (name, value) in sklearn {
                let ours = try #require(names[name], "no Keelson name for scikit-learn's \(name)")
                // JSON's true reads back as a number too, so only the one flag is read as a flag.
                parameters[ours] = name == "early_stopping" ? "\(value as! Bool)" : "\(value)"
            }
            return try BoostingSettings(parameters: parameters)
        }
    }
}
