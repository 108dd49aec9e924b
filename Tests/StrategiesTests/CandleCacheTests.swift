import Foundation
import KeelsonTestSupport
import Testing

@testable import KeelsonDomain

@Suite("Binary candle caches")
struct CandleCacheTests {
    static let symbol = Symbol(rawValue: "DATA")!

    static func copy(_ text: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kbars-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("bars.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func csvCandles(_ path: String) throws -> [Candle] {
        var reader = try CandleCSV.Reader(path: path)
        return try reader.nextCandles(maxRows: 1 << 20, exchange: "file", symbol: symbol, interval: .oneDay)
    }

    static func build(_ path: String) throws {
        var reader = try CandleCSV.Reader(path: path)
        let candles = try reader.nextCandles(maxRows: 1 << 20, exchange: "file", symbol: symbol, interval: .oneDay)
        try CandleCache(candles: candles, timeStyle: reader.timeStyle!, source: path).write(for: path)
    }

    @Test("the cache gives the CSV's candles exactly, and the same Doubles as the decimals")
    func sameCandlesAsTheCSV() throws {
        let path = try Self.copy(try String(contentsOf: SharedReferenceData.url("GOOG.csv"), encoding: .utf8))
        try Self.build(path)
        let cache = try #require(CandleCache.load(csv: path))
        let expected = try Self.csvCandles(path)
        let cached = cache.candles(0..<cache.count, exchange: "file", symbol: Self.symbol, interval: .oneDay)
        #expect(cached == expected)
        #expect(cached.map(\.close.description) == expected.map(\.close.description), "written the same way too")
        var doubles: [[Double]] = []
        cache.forEachDouble { doubles.append([$0, $1, $2, $3, $4]) }
        #expect(doubles == expected.map { [$0.open, $0.high, $0.low, $0.close, $0.volume].map(\.doubleValue) })
        #expect(cache.timeStyle == .date)
    }

    @Test("mixed decimals, negative-free prices with many digits, epoch milliseconds")
    func mixedScales() throws {
        let path = try Self.copy(
            "time,open,high,low,close,volume\n1700000000000,1.5,2.25,0.125,1,10\n1700000060000,100,100.00001,99.9,100,0.5\n1700000120000,0.000001,1,0.000001,0.5,123456789.123\n"
        )
        try Self.build(path)
        let cache = try #require(CandleCache.load(csv: path))
        #expect(cache.candles(0..<3, exchange: "file", symbol: Self.symbol, interval: .oneDay) == (try Self.csvCandles(path)))
        #expect(cache.scales == [6, 5, 6, 1, 3])
        #expect(cache.timeStyle == .epochMilliseconds)
    }

    @Test("a changed CSV makes the cache stale; a touched but unchanged one does not")
    func staleness() throws {
        let path = try Self.copy("time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n2024-01-02,1,2,0.5,1.5,10\n")
        try Self.build(path)
        #expect(CandleCache.load(csv: path) != nil)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: path)
        #expect(CandleCache.load(csv: path) != nil, "same size and content hash")
        try "time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n2024-01-02,1,2,0.5,1.6,10\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(CandleCache.load(csv: path) == nil, "same size, other content")
        try "time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(CandleCache.load(csv: path) == nil, "other size")
    }

    @Test("a truncated or foreign cache file is not used")
    func damagedCache() throws {
        let path = try Self.copy("time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n2024-01-02,1,2,0.5,1.5,10\n")
        try Self.build(path)
        let cachePath = CandleCache.path(for: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cachePath))
        try bytes.prefix(bytes.count - 8).write(to: URL(fileURLWithPath: cachePath))
        #expect(CandleCache.load(csv: path) == nil)
        try Data(repeating: 7, count: bytes.count).write(to: URL(fileURLWithPath: cachePath))
        #expect(CandleCache.load(csv: path) == nil)
    }

    @Test("a byte changed anywhere in the cache's body, or two prices swapped, makes it unused: the CSV's candles are read instead")
    func damagedBody() throws {
        let path = try Self.copy(try String(contentsOf: SharedReferenceData.url("GOOG.csv"), encoding: .utf8))
        try Self.build(path)
        let cacheURL = URL(fileURLWithPath: CandleCache.path(for: path))
        let original = try Data(contentsOf: cacheURL)
        #expect(CandleCache.load(csv: path) != nil)
        let bodyStart = CandleCache.headerSize
        for offset in [bodyStart, bodyStart + 8 * 700 + 3, original.count - 1] {
            var damaged = original
            damaged[offset] ^= 0x10
            try damaged.write(to: cacheURL)
            #expect(CandleCache.load(csv: path) == nil, "a flipped bit at byte \(offset)")
        }
        var swapped = original
        let first = bodyStart + 8 * 2_000, second = first + 8
        let word = swapped.subdata(in: first..<first + 8)
        swapped.replaceSubrange(first..<first + 8, with: swapped.subdata(in: second..<second + 8))
        swapped.replaceSubrange(second..<second + 8, with: word)
        #expect(swapped != original)
        try swapped.write(to: cacheURL)
        #expect(CandleCache.load(csv: path) == nil, "two prices swapped")
        try original.write(to: cacheURL)
        #expect(CandleCache.load(csv: path) != nil, "the intact cache is used again")
    }

    @Test("a value with more digits than the cache keeps is refused with the column named")
    func tooManyDigits() throws {
        let path = try Self.copy("time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,999999999999999999\n2024-01-02,1,2,0.5,1.5,0.1\n")
        #expect { try Self.build(path) } throws: { error in
            "\(error)".contains("volume needs more than 18 digits at 1 decimals")
        }
    }

    @Test("out of order across read blocks still names both times")
    func outOfOrderAcrossBlocks() throws {
        let path = try Self.copy("time,open,high,low,close,volume\n2024-01-02,1,2,0.5,1.5,10\n2024-01-01,1,2,0.5,1.5,10\n")
        var reader = try CandleCSV.Reader(path: path, blockSize: 7)
        #expect { try reader.nextCandles(maxRows: 10, exchange: "file", symbol: Self.symbol, interval: .oneDay) } throws: { error in
            "\(error)".hasSuffix("row 3: time 2024-01-01 is not after the previous row's 2024-01-02; rows must be sorted by time without duplicates")
        }
    }

    @Test("the plain-row fast path and the general path read a file alike, rows of every kind mixed")
    func fastPathEqualsGeneralPath() throws {
        var text = "time,open,high,low,close,volume\n"
        var generator = SystemRandomNumberGenerator()
        for day in 0..<3000 {
            let date = Date(timeIntervalSince1970: 1_600_000_000 + Double(day) * 60).formatted(
                .iso8601.year().month().day().time(includingFractionalSeconds: false).timeSeparator(.colon).dateTimeSeparator(.space))
            let low = Double(Int.random(in: 1...100_000, using: &generator)) / 100
            let values = [low + 0.5, low + 1.25, low, low + 0.75, Double(day % 7)].map { String(format: "%.\(day % 4)f", $0) }
            // Every few rows something the fast path leaves to the general one: blanks, a plus sign, 17 digits, CRLF.
            switch day % 11 {
            case 3: text += "\(date), \(values[0]),\(values[1]),\(values[2]),\(values[3]),\(values[4])\n"
            case 5: text += "\(date),+\(values[0]),\(values[1]),\(values[2]),\(values[3]),\(values[4])\n"
            case 7: text += "\(date),\(values[0]),\(values[1]),\(values[2]),\(values[3]),12345678901234567\n"
            case 9: text += "\(date),\(values[0]),\(values[1]),\(values[2]),\(values[3]),\(values[4])\r\n"
            default: text += "\(date),\(values[0]),\(values[1]),\(values[2]),\(values[3]),\(values[4])\n"
            }
        }
        let path = try Self.copy(text)
        let rows = try CandleCSV.load(path: path)
        for blockSize in [64, 1000, 1 << 22] {
            var reader = try CandleCSV.Reader(path: path, blockSize: blockSize)
            var candles: [Candle] = []
            while true {
                let chunk = try reader.nextCandles(maxRows: 777, exchange: "file", symbol: Self.symbol, interval: .oneDay)
                if chunk.isEmpty { break }
                candles += chunk
            }
            #expect(candles.map(\.openTime) == rows.map(\.time))
            #expect(candles.map { [$0.open, $0.high, $0.low, $0.close, $0.volume] } == rows.map { [$0.open, $0.high, $0.low, $0.close, $0.volume] })
            #expect(
                candles.map { "\($0.open) \($0.high) \($0.low) \($0.close) \($0.volume)" }
                    == rows.map { "\($0.open) \($0.high) \($0.low) \($0.close) \($0.volume)" },
                "the same stored decimals, so they print alike")
        }
    }

    @Test("a bad row after plain ones is still named, with the previous row's time")
    func errorsAfterPlainRows() throws {
        let path = try Self.copy(
            "time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n2024-01-02,1,2,0.5,1.5,10\n2024-01-03,1,2,3,1.5,10\n")
        var reader = try CandleCSV.Reader(path: path)
        #expect { try reader.nextCandles(maxRows: 10, exchange: "file", symbol: Self.symbol, interval: .oneDay) } throws: { error in
            "\(error)".hasSuffix("row 4: prices are inconsistent (need low ≤ open, close ≤ high and volume ≥ 0)")
        }
        let unordered = try Self.copy(
            "time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n2024-01-02,1,2,0.5,1.5,10\n2024-01-02,1,2,0.5,1.5,10\n")
        var second = try CandleCSV.Reader(path: unordered)
        #expect { try second.nextCandles(maxRows: 10, exchange: "file", symbol: Self.symbol, interval: .oneDay) } throws: { error in
            "\(error)".hasSuffix("row 4: time 2024-01-02 is not after the previous row's 2024-01-02; rows must be sorted by time without duplicates")
        }
    }
}
