import Foundation
import KeelsonTestSupport
import Testing

@testable import KeelsonDomain

@Suite("CSV read straight into columns")
struct CandleColumnsTests {
    static let symbol = Symbol(rawValue: "DATA")!

    /// A file over a megabyte (so it is split between threads) of minute bars whose decimals vary in digits, with a
    /// few rows only the general path reads (an exponent, a blank line, a plus sign) spread through it.
    static func minuteFile(rows: Int, seed: UInt64) throws -> String {
        var random = SplitMix64(seed: seed)
        var text = "time,open,high,low,close,volume\n"
        var price = 61_500.0
        let start = 1_700_000_000
        for row in 0..<rows {
            price = max(1, price + Double(Int(random.next() % 2001) - 1000) / 100)
            let low = price - Double(random.next() % 500) / 100
            let high = price + Double(random.next() % 500) / 100
            let volume = Double(random.next() % 10_000_000) / 100_000
            let time = start + 60 * row
            let (open, top, bottom) = (String(format: "%.2f", price), String(format: "%.2f", high), String(format: "%.2f", low))
            let amount = String(format: "%.5f", volume)
            if row % 9_973 == 17 {
                text += "\(time * 1000),\(open),\(top),\(bottom),+\(open),\(amount)e0\n\n"
            } else {
                text += "\(time * 1000),\(open),\(top),\(bottom),\(open),\(amount)\n"
            }
        }
        return try CandleCacheTests.copy(text)
    }

    static func candleColumns(_ path: String) throws -> CandleCache {
        var reader = try CandleCSV.Reader(path: path)
        var candles: [Candle] = []
        while true {
            let chunk = try reader.nextCandles(maxRows: 1 << 16, exchange: "file", symbol: symbol, interval: .oneMinute)
            if chunk.isEmpty { break }
            candles += chunk
        }
        return try CandleCache(candles: candles, timeStyle: reader.timeStyle!, source: path)
    }

    @Test("columns read with 1, 2 and 3 threads equal the candles' columns, exactly")
    func sameAsCandles() throws {
        let path = try Self.minuteFile(rows: 40_000, seed: 3)
        let expected = try Self.candleColumns(path)
        for parts in [1, 2, 3] {
            let read = try CandleCSV.readColumns(path: path, parts: parts)
            let columns = try #require(read.columns.finish(timeStyle: read.timeStyle))
            #expect(columns.count == 40_000)
            #expect(columns.times == expected.times, "parts \(parts)")
            #expect(columns.prices == expected.prices, "parts \(parts)")
            #expect(columns.scales == expected.scales, "parts \(parts)")
            #expect(read.timeStyle == .epochMilliseconds)
        }
        let columns = try #require(CandleCSV.readColumns(path: path, parts: 2).columns.finish(timeStyle: .epochMilliseconds))
        let candles = columns.candles(0..<columns.count, exchange: "file", symbol: Self.symbol, interval: .oneMinute)
        #expect(candles == expected.candles(0..<expected.count, exchange: "file", symbol: Self.symbol, interval: .oneMinute))
    }

    @Test("rows out of order across the split, or a bad row in the second half, are named with their row as one reader names them")
    func problemsNamedWithTheirRow() throws {
        let path = try Self.minuteFile(rows: 40_000, seed: 4)
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let middle = lines.count / 2
        var swapped = lines
        swapped.swapAt(middle, middle + 1)
        let outOfOrder = try CandleCacheTests.copy(swapped.joined(separator: "\n"))
        let expected = #expect(throws: CandleCSV.ParseError.self) { try CandleCSV.readColumns(path: outOfOrder) }
        let split = #expect(throws: CandleCSV.ParseError.self) { try CandleCSV.readColumns(path: outOfOrder, parts: 2) }
        #expect(split?.description == expected?.description)
        #expect(split?.description.contains("row \(middle + 2)") == true, Comment(rawValue: split?.description ?? ""))

        lines[lines.count - 100] = "1800000000000,1,2,0.5,abc,10"
        let badRow = try CandleCacheTests.copy(lines.joined(separator: "\n"))
        let bad = #expect(throws: CandleCSV.ParseError.self) { try CandleCSV.readColumns(path: badRow, parts: 2) }
        #expect(bad?.description.hasSuffix("close 'abc' is not a number") == true, Comment(rawValue: bad?.description ?? ""))
    }

    @Test("a value columns cannot hold leaves the rows unfit, with the column named")
    func unfitRows() throws {
        let path = try CandleCacheTests.copy(
            "time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,999999999999999999\n2024-01-02,1,2,0.5,1.5,0.1\n")
        let read = try CandleCSV.readColumns(path: path, parts: 2)
        #expect(read.columns.unfit == "volume needs more than 18 digits at 1 decimals")
        #expect(read.columns.finish(timeStyle: read.timeStyle) == nil)
    }
}
