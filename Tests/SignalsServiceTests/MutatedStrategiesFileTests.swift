import Foundation
import KeelsonDomain
import KeelsonFoundation
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
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                guard !bytes.isEmpty else { break }
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...12, using: &generator)))
                case 2: bytes.removeSubrange(at...)
                default: bytes.insert(contentsOf: Self.nasty.randomElement(using: &generator)!, at: at)
                }
            }
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
