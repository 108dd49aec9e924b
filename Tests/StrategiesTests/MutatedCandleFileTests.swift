import Foundation
import KeelsonTestSupport
import Testing

@testable import KeelsonDomain

/// Candle files with random damage — bytes flipped, cut, repeated, truncated, odd tokens spliced in: each is read
/// into rows or refused with one line naming the file and the problem; never a crash or a hang. Read from memory and
/// from disk in small blocks, they give the same answer, so a damaged row straddling a block edge is no different.
@Suite("Mutated candle files")
struct MutatedCandleFileTests {
    static let nasty: [[UInt8]] =
        [
            "NaN", "1e999", "-0", "99999999999999999999999999999999999999", "\u{0}", "\r\n", ",,", "\"", "９", "📈", "\n\n\n",
            "2024-02-30", "-1", "0x1F", ".", "1..2", "+", "time,open,high,low,close,volume\n",
        ].map { Array($0.utf8) } + [[0xC3, 0x28], [0xFF, 0xFE], [0xEF, 0xBB, 0xBF]]

    static func original() -> [UInt8] {
        var text = "time,open,high,low,close,volume\n"
        var price = Decimal(string: "42000.5")!
        for minute in 0..<60 {
            let time = 1_704_067_200_000 + Int64(minute) * 60_000
            text += "\(time),\(price),\(price + 12),\(price - 7.25),\(price + 3),\(minute * 3 + 1).125\n"
            price += 3
        }
        return Array(text.utf8)
    }

    static func mutate(_ bytes: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
        ByteMutations.mutate(bytes, splicing: nasty, using: &generator)
    }

    /// The rows, or the error's one line.
    static func read(_ bytes: [UInt8]) -> Result<[CandleCSV.Row], CandleCSV.ParseError> {
        Result(catching: { () throws(CandleCSV.ParseError) in
            var reader = try CandleCSV.Reader(bytes: bytes, source: "m.csv")
            return try reader.all()
        })
    }

    static func read(path: String, blockSize: Int) -> Result<[CandleCSV.Row], CandleCSV.ParseError> {
        Result(catching: { () throws(CandleCSV.ParseError) in
            var reader = try CandleCSV.Reader(path: path, blockSize: blockSize)
            return try reader.all()
        })
    }

    @Test("2,000 damaged files: rows or one clear line, the same from memory and from disk in small blocks")
    func damagedFiles() throws {
        var generator = SplitMix64(seed: 20_261_206)
        let original = Self.original()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-mutated-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var refused = 0
        for index in 0..<2_000 {
            let bytes = Self.mutate(original, using: &generator)
            let fromMemory = Self.read(bytes)
            switch fromMemory {
            case .success(let rows):
                #expect(rows.count <= bytes.count(where: { $0 == UInt8(ascii: "\n") }) + 1)
            case .failure(let error):
                refused += 1
                #expect(!error.description.contains("\n"), "one line: \(error.description)")
                #expect(error.description.hasPrefix("m.csv"), "names the file: \(error.description)")
            }
            guard index % 4 == 0 else { continue }
            let path = directory.appendingPathComponent("m.csv").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let blockSize = Int.random(in: 7...64, using: &generator)
            switch (fromMemory, Self.read(path: path, blockSize: blockSize)) {
            case (.success(let a), .success(let b)): #expect(a == b, "case \(index), blocks of \(blockSize)")
            case (.failure(let a), .failure(let b)): #expect(a.problem == b.problem && a.row == b.row, "case \(index): \(a) / \(b)")
            case (let a, let b): Issue.record("case \(index), blocks of \(blockSize): from memory \(a), from disk \(b)")
            }
        }
        #expect(refused > 200, "the mutations must damage files for the test to mean anything (\(refused) refused)")
    }
}
