import Foundation
import KeelsonDomain
import KeelsonTestSupport
import Testing

/// Damaged candle files given to the real `keelson` processes that read them — `data import`, `backtest`,
/// `indicators`: each run ends (no hang), by itself (no signal), with 0 or with exit 2 and one line naming the file.
@Suite("Damaged candle files through the keelson CLI")
struct MutatedCLIInputTests {
    static let tokens: [[UInt8]] =
        ["NaN", "1e999", "-1", "\u{0}", ",,", "\"", "📈", "\n\n", "2024-02-30", "time,open,high,low,close,volume\n"].map { Array($0.utf8) }
        + [[0xC3, 0x28], [0xFF, 0xFE]]

    static func original() -> [UInt8] {
        var text = "time,open,high,low,close,volume\n"
        for minute in 0..<120 {
            let price = 42_000 + Decimal(minute % 17) * 3 - Decimal(minute % 5) * 2
            text += "\(1_704_067_200_000 + Int64(minute) * 60_000),\(price),\(price + 12),\(price - 7),\(price + 3),\(minute + 1).5\n"
        }
        return Array(text.utf8)
    }

    @Test("import, backtest, indicators: 12 damaged files each, every run ends with 0 or one line and exit 2")
    func damagedFiles() async throws {
        try await TestDatabase.withMigratedDatabase { url, _ in
            var generator = SplitMix64(seed: 20_261_207)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-cli-mutated-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            var refused = 0
            for index in 0..<36 {
                let file = directory.appendingPathComponent("m\(index).csv").path
                try Data(ByteMutations.mutate(Self.original(), splicing: Self.tokens, using: &generator)).write(to: URL(fileURLWithPath: file))
                let out = directory.appendingPathComponent("out\(index)").path
                let arguments =
                    switch index % 3 {
                    case 0: ["data", "import", file, "--symbol", "BTCUSDT", "--interval", "1m"]
                    case 1: ["backtest", "--strategy", "sma_crossover", "--param", "fast=5", "--param", "slow=20", "--data", file, "--out", out]
                    default: ["indicators", "--data", file, "--out", out + ".csv"]
                    }
                let result = try await ChildProcess.run("keelson", arguments, environment: ["DATABASE_URL": url.connectionString], timeout: .seconds(60))
                let command = arguments.prefix(2).joined(separator: " ")
                #expect(result.exitCode == 0 || result.exitCode == 2, "\(command) on \(file): exit \(result.exitCode): \(result.stderr)")
                guard result.exitCode == 2 else { continue }
                refused += 1
                let lines = result.stderr.split(separator: "\n")
                #expect(lines.count == 1, "\(command): one line, not \(result.stderr)")
                #expect(result.stderr.hasPrefix("keelson: \(file)"), "\(command): names the file: \(result.stderr)")
            }
            #expect(refused > 12, "the damage must refuse files for the test to mean anything (\(refused) refused)")
        }
    }
}
