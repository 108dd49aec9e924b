import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonModels
import Testing

extension ModelsSuite {
    @Suite struct FeatureTests {
        static let btcFeatures = "return:5,return:30,rsi:14,macd_hist:12:26:9,bb_percent_b:20:2,atr_ratio:14,volume_z:30,hour"

        /// The fixture's features were computed in Python (TA-Lib and numpy), independently of Keelson's indicators.
        @Test func featuresAndLabelsMatchTheIndependentComputation() throws {
            let names = try FeatureName.list(parsing: Self.btcFeatures)
            let dataset = try LabeledDataset(bars: try Fixtures.sampleBars(), features: names, label: try LabelName(parsing: "next_return:h=5"))
            let table = try Fixtures.table("btc_features.csv")
            #expect(dataset.count == table.rows.count)
            let times = table.column("time")
            let formatter = ISO8601DateFormatter()
            #expect(dataset.times == times.map { formatter.date(from: $0)! })
            for (column, name) in names.enumerated() {
                let expected = table.numbers(name.description)
                for row in 0..<dataset.count {
                    let ours = dataset.matrix[row, column]
                    let error = abs(ours - expected[row]) / max(1, abs(expected[row]))
                    #expect(error <= 1e-8, "\(name) at \(times[row]): ours \(ours), reference \(expected[row])")
                }
            }
            #expect(dataset.labels == table.numbers("label"))
        }

        /// Changing every bar after a point changes no feature of a row before it: nothing looks ahead. Labels may
        /// look H bars ahead and no further.
        @Test func noFeatureLooksAhead() throws {
            let bars = try Fixtures.sampleBars()
            let names = try FeatureName.list(parsing: Self.btcFeatures + ",volume_z:5,return:1")
            let label = try LabelName(parsing: "next_return:h=7")
            let original = try LabeledDataset(bars: bars, features: names, label: label)
            var generator = SplitMix64(seed: 7)
            for cut in [100, 1_000, 2_500, 4_000] {
                var shifted = bars
                for index in (cut + 1)..<bars.count {
                    let factor = 1 + 0.05 * generator.nextGaussian()
                    shifted[index].ohlcv.open *= factor
                    shifted[index].ohlcv.high *= factor * 1.01
                    shifted[index].ohlcv.low *= factor * 0.99
                    shifted[index].ohlcv.close *= factor
                    shifted[index].ohlcv.volume *= 3
                    shifted[index].openTime += 1_800
                }
                let changed = try LabeledDataset(bars: shifted, features: names, label: label)
                let cutTime = bars[cut].openTime
                let rowsBefore = original.times.prefix { $0 <= cutTime }.count
                #expect(rowsBefore > 0 || cut < 100)
                for row in 0..<rowsBefore {
                    #expect(original.times[row] == changed.times[row])
                    #expect(Array(original.matrix.row(row)) == Array(changed.matrix.row(row)), "row \(row) changed when only bars after \(cut) did")
                }
                // A row's label reads the close H bars later, so only rows at least H bars before the cut keep theirs.
                let labelRows = original.times.prefix { $0 <= bars[cut - label.horizon].openTime }.count
                #expect(Array(original.labels.prefix(labelRows)) == Array(changed.labels.prefix(labelRows)))
                #expect(original.labels != changed.labels)
            }
        }

        @Test func namesReadBackAsWritten() throws {
            for text in ["return:5", "rsi:14", "macd_hist:12:26:9", "bb_percent_b:20:2", "bb_percent_b:20:2.5", "atr_ratio:14", "volume_z:30", "hour"] {
                #expect(try FeatureName(parsing: text).description == text)
            }
            #expect(try FeatureName(parsing: " RSI:14 ") == .rsi(period: 14))
            #expect(try LabelName(parsing: "next_return:h=5").horizon == 5)
        }

        @Test(arguments: [
            ("sma:10", "unknown feature 'sma:10'"),
            ("rsi", "is not rsi:N"),
            ("rsi:1", "period 1 is not allowed"),
            ("return:0", "N must be a whole number from 1 to 10000"),
            ("return:2.5", "N must be a whole number"),
            ("macd_hist:12:26", "is not macd_hist:F:S:G"),
            ("bb_percent_b:20:x", "K 'x' is not a number"),
            ("hour:3", "hour takes no arguments"),
            ("rsi:14,rsi:14", "is listed twice"),
            ("", "no features given"),
        ])
        func badFeaturesAreRefusedInOneLine(_ text: String, _ expected: String) {
            #expect {
                _ = try FeatureName.list(parsing: text)
            } throws: { error in
                let message = (error as? ModelError)?.description ?? ""
                return message.contains(expected) && !message.contains("\n")
            }
        }

        @Test(arguments: ["next_return", "next_return:h=0", "next_return:h=x", "sign:h=5"])
        func badLabelsAreRefused(_ text: String) {
            #expect(throws: ModelError.self) { try LabelName(parsing: text) }
        }

        @Test func theHourIsTheUTCHourTheBarOpenedIn() throws {
            var computer = try FeatureComputer(names: [.hour])
            var values: [Double] = []
            let bar = OHLCV(open: 1, high: 1, low: 1, close: 1, volume: 1)
            for (seconds, hour) in [(0.0, 0.0), (3_599, 0), (3_600, 1), (86_399, 23), (-1, 23), (-3_600, 23), (-3_601, 22)] {
                #expect(computer.update(bar, openTime: Date(timeIntervalSince1970: seconds), into: &values))
                #expect(values == [hour], "at \(seconds) s")
            }
        }
    }
}
