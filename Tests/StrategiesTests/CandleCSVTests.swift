import Foundation
import KeelsonTestSupport
import Testing

@testable import KeelsonDomain

@Suite("OHLCV files")
struct CandleCSVTests {
    @Test func readsTheGOOGFormatExactly() throws {
        let candles = try ReferenceData.googCandles()
        #expect(candles.count == 2148)
        #expect(candles[0].open == Decimal(string: "100"))
        #expect(candles[0].close == Decimal(string: "100.34"))
        #expect(candles[0].volume == Decimal(string: "22351900"))
        #expect(candles[0].openTime == (try Date("2004-08-19T00:00:00Z", strategy: .iso8601)))
        #expect(candles.last?.openTime == (try Date("2013-03-01T00:00:00Z", strategy: .iso8601)))
    }

    @Test func readsEpochMillisecondsAndDateTimes() throws {
        let rows = try CandleCSV.parse(
            "time,open,high,low,close,volume\n1700000000000,1,2,0.5,1.5,10\n2023-11-14T22:14:20Z,1,2,0.5,1.5,0\n", source: "t.csv")
        #expect(rows.count == 2)
        #expect(rows[0].time == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(rows[1].timeText == "2023-11-14T22:14:20Z")
    }

    @Test(arguments: [
        ("", "t.csv: the file is empty"),
        ("date,open,high,low,close\n", "t.csv: row 1: no 'volume' column"),
        ("time,open,high,low,close,volume\n2024-01-01,1,2,0.5,x,3\n", "t.csv: row 2: close 'x' is not a number"),
        ("time,open,high,low,close,volume\n2024-01-01,1,2,0.5,NaN,3\n", "t.csv: row 2: close 'NaN' is not a number"),
        ("time,open,high,low,close,volume\nyesterday,1,2,0.5,1,3\n", "t.csv: row 2: time 'yesterday' is not ISO-8601"),
        ("time,open,high,low,close,volume\n2024-01-02,1,2,0.5,1,3\n2024-01-01,1,2,0.5,1,3\n", "t.csv: row 3: time 2024-01-01 is not after"),
        ("time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1\n", "t.csv: row 2: has 5 cells, the header has 6"),
        ("time,open,high,low,close,volume\n2024-01-01,1,2,3,1,3\n", "t.csv: row 2: prices are inconsistent"),
    ])
    func badFilesNameTheRowAndTheProblem(text: String, expected: String) {
        #expect { try CandleCSV.parse(text, source: "t.csv") } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }

    @Test func missingFileSaysSo() {
        #expect { try CandleCSV.load(path: "/no/such/file.csv") } throws: { error in
            "\(error)".hasPrefix("/no/such/file.csv: cannot be read")
        }
    }
}

@Suite("OHLCV files read a chunk at a time")
struct CandleCSVReaderTests {
    @Test("any block size and chunk size give the rows of the whole file")
    func chunksGiveTheSameRows() throws {
        let path = SharedReferenceData.url("GOOG.csv").path
        let whole = try CandleCSV.load(path: path)
        for (blockSize, chunk) in [(7, 1), (64, 100), (4096, 65_536)] {
            var reader = try CandleCSV.Reader(path: path, blockSize: blockSize)
            var rows: [CandleCSV.Row] = []
            while true {
                let next = try reader.next(maxRows: chunk)
                if next.isEmpty { break }
                rows += next
            }
            #expect(rows == whole, "block \(blockSize), chunk \(chunk)")
            #expect(reader.fractionRead == 1)
            #expect(reader.timeStyle == .date)
        }
    }

    @Test("numbers read by arithmetic equal Foundation's reading of the same text")
    func decimalsMatchFoundation() throws {
        let cells = [
            "100", "0.5", "104.06", "12.50", "0.00000001", "-3.25", "+7", "000123.4500", "22351900", "999999999999999999", "1e3",
            "12345678901234567890.5", "0",
        ]
        let text =
            "time,open,high,low,close,volume\n"
            + cells.enumerated().map { "\(1_700_000_000_000 + $0.offset * 60_000),\($0.element),\($0.element),\($0.element),\($0.element),1" }.joined(
                separator: "\n")
        var reader = try CandleCSV.Reader(bytes: Array(text.utf8), source: "t.csv")
        let rows = try reader.all()
        for (row, cell) in zip(rows, cells) {
            let expected = try #require(Decimal(string: cell, locale: Locale(identifier: "en_US_POSIX")))
            #expect(row.open == expected, "\(cell)")
            #expect(row.open.description == expected.description, "\(cell)")
        }
    }

    @Test(
        "times are read as UTC and written back as the file wrote them",
        arguments: [
            ("2024-02-29", "2024-02-29T00:00:00Z"), ("2024-01-31T09:30:00Z", "2024-01-31T09:30:00Z"), ("2024-01-31 09:30:00", "2024-01-31T09:30:00Z"),
            ("2024-01-31T09:30", "2024-01-31T09:30:00Z"), ("1700000000000", "2023-11-14T22:13:20Z"), ("1969-12-31T23:59:00Z", "1969-12-31T23:59:00Z"),
        ])
    func timesRoundTrip(text: String, iso: String) throws {
        var reader = try CandleCSV.Reader(bytes: Array("time,open,high,low,close,volume\n\(text),1,1,1,1,1\n".utf8), source: "t.csv")
        let row = try #require(try reader.next(maxRows: 10).first)
        #expect(row.time == (try Date(iso, strategy: .iso8601)))
        #expect(reader.timeStyle?.format(row.time) == text)
    }

    @Test("other ISO-8601 layouts still go through Foundation's parser")
    func otherLayouts() throws {
        let rows = try CandleCSV.parse(
            "time,open,high,low,close,volume\n2024-01-31T09:30:00.500Z,1,1,1,1,1\n2024-01-31T11:30:00+01:00,1,1,1,1,1\n", source: "t.csv")
        #expect(rows[0].time == Date(timeIntervalSince1970: 1_706_693_400.5))
        #expect(rows[1].time == Date(timeIntervalSince1970: 1_706_693_400 + 3_600))
    }

    @Test("a date that does not exist is refused")
    func impossibleDate() {
        for text in ["2023-02-29", "2024-01-31 24:10:00"] {
            #expect { try CandleCSV.parse("time,open,high,low,close,volume\n\(text),1,1,1,1,1\n", source: "t.csv") } throws: { error in
                "\(error)".hasPrefix("t.csv: row 2: time '\(text)' is not ISO-8601")
            }
        }
    }
}
