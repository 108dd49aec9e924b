import Foundation
import KeelsonDomain
import KeelsonFoundation
import KeelsonTestSupport
import SignalsService
import Testing

/// `config/strategies.json` with random damage: the signal service either starts with what the file says or refuses
/// with the one line it prints before exiting 2, naming the file — never a crash.
@Suite("Mutated strategies files")
struct MutatedStrategiesFileTests {
    static let nasty: [[UInt8]] =
        [
            "null", "-1", "1e999", "\"\"", "[]", "{}", ",", "}", "]", "\u{0}", "\"fast\": 0", "NaN", "true", "\"\u{1F4C8}\"",
            "9999999999999999999999",
        ].map { Array($0.utf8) } + [[0xC3, 0x28], [0xFF]]

    @Test("2,000 damaged files: started or refused in one line naming the file")
    func damagedFiles() throws {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let original = Array(try Data(contentsOf: packageRoot.appendingPathComponent("config/strategies.json")))
        var generator = SplitMix64(seed: 20_261_206)
        var refused = 0
        for _ in 0..<2_000 {
            let bytes = ByteMutations.mutate(original, splicing: Self.nasty, using: &generator)
            do {
                _ = try StrategiesFile.parseContents(Data(bytes), source: "config/strategies.json")
            } catch {
                refused += 1
                #expect(!error.description.contains("\n"), "one line: \(error.description)")
                #expect(error.description.hasPrefix("config/strategies.json: "), "names the file: \(error.description)")
            }
        }
        #expect(refused > 500, "the mutations must damage files for the test to mean anything (\(refused) refused)")
    }
}
