import Foundation
import KeelsonDomain
import Testing

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
        let rows = try CandleCSV.parse("time,open,high,low,close,volume\n1700000000000,1,2,0.5,1.5,10\n2023-11-14T22:14:20Z,1,2,0.5,1.5,0\n", source: "t.csv")
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

