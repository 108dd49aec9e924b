import Foundation
import KeelsonTestSupport
import Testing

@Suite("keelson indicators")
struct IndicatorsCommandTests {
    static let dataDirectory = SharedReferenceData.directory

    static func table(_ path: String) throws -> (header: [String], rows: [[String]]) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        return (
            lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init),
            lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        )
    }

    @Test("on GOOG.csv the default set reproduces TA-Lib's reference, warm-up cells included")
    func matchesTALib() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("indicators-\(UUID().uuidString).csv").path
        let result = try await ChildProcess.run(
            "keelson", ["indicators", "--data", Self.dataDirectory.appendingPathComponent("GOOG.csv").path, "--out", out])
        #expect(result.exitCode == 0, Comment(rawValue: result.stderr))
        #expect(result.stdout.contains("wrote 2148 rows"))

        let ours = try Self.table(out)
        let reference = try Self.table(Self.dataDirectory.appendingPathComponent("goog_talib_indicators.csv").path)
        #expect(
            ours.header == [
                "time", "sma_10", "ema_10", "rsi_14", "macd_12_26_9", "macd_signal_12_26_9", "macd_hist_12_26_9", "atr_14", "bb_upper_20_2",
                "bb_middle_20_2", "bb_lower_20_2",
            ])
        #expect(ours.rows.count == reference.rows.count)
        // Reference columns 5... line up with ours 1... in the same order.
        for (index, (mine, theirs)) in zip(ours.rows, reference.rows).enumerated() {
            #expect(mine[0] == theirs[0])
            for column in 1..<ours.header.count {
                let a = mine[column], b = theirs[column + 4]
                if b.isEmpty {
                    #expect(a.isEmpty, "row \(index) \(ours.header[column]): expected warm-up, got \(a)")
                } else {
                    let x = try #require(Double(a), "row \(index) \(ours.header[column]): '\(a)'"), y = try #require(Double(b))
                    #expect(abs(x - y) <= 1e-9 * max(1, abs(y)), "row \(index) \(ours.header[column]): \(x) vs \(y)")
                }
            }
        }
    }

    @Test(
        "bad input: one line naming the problem, non-zero exit",
        arguments: [
            (["--set", "sma:0"], "'sma:0': "),
            (["--set", "wma:10"], "unknown indicator 'wma'"),
            (["--set", "macd:12:26"], "'macd:12:26' needs 3 numbers"),
        ])
    func badSet(arguments: [String], expected: String) async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("indicators-\(UUID().uuidString).csv").path
        let result = try await ChildProcess.run(
            "keelson", ["indicators", "--data", Self.dataDirectory.appendingPathComponent("GOOG.csv").path, "--out", out] + arguments)
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix("keelson: \(expected)"), Comment(rawValue: result.stderr))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func missingFile() async throws {
        let result = try await ChildProcess.run("keelson", ["indicators", "--data", "/no/such.csv", "--out", "/tmp/x.csv"])
        #expect(result.exitCode == 2)
        #expect(
            result.stderr == "keelson: /no/such.csv: cannot be read: The file “such.csv” couldn’t be opened because there is no such file.\n"
                || result.stderr.hasPrefix("keelson: /no/such.csv: cannot be read"))
    }
}
