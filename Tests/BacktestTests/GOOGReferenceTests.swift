import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonStrategies
import KeelsonTestSupport
import KeelsonTrading
import Testing

@Suite("Backtester: backtesting.py's SMA(10, 30) reference on GOOG")
struct GOOGReferenceTests {
    static let configuration = BacktestConfiguration(
        initialCash: 1_000_000, sizing: .allIn, execution: BacktestConfiguration.frictionless, rules: BacktestConfiguration.wholeUnits
    )

    struct ReferenceTrade: Equatable {
        var size: Decimal
        var entryTime: String
        var entryPrice: Decimal
        var exitTime: String
        var exitPrice: Decimal
        var pnl: Decimal
    }

    static func reference() throws -> [ReferenceTrade] {
        let text = try String(contentsOf: SharedReferenceData.url("goog_sma_10_30_trades.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return ReferenceTrade(
                size: Decimal(string: cells[0])!, entryTime: cells[3], entryPrice: Decimal(string: cells[4])!, exitTime: cells[5],
                exitPrice: Decimal(string: cells[6])!, pnl: Decimal(string: cells[7])!
            )
        }
    }

    static func day(_ date: Date) -> String { date.formatted(.iso8601.year().month().day()) }

    @Test("every closed trade, the open one, final equity, return, drawdown and Sharpe")
    func reproducesReference() throws {
        let candles = try SharedReferenceData.googCandles(exchange: "reference")
        let result = Backtester.run(strategy: try SMACrossover.make(["fast": 10, "slow": 30]), candles: candles, configuration: Self.configuration)
        let trades = result.trades.map {
            ReferenceTrade(
                size: $0.quantity, entryTime: Self.day($0.entryTime), entryPrice: $0.entryPrice, exitTime: Self.day($0.exitTime),
                exitPrice: $0.exitPrice, pnl: $0.pnl)
        }
        let expected = try Self.reference()
        #expect(trades.count == 32)
        for (ours, theirs) in zip(trades, expected) { #expect(ours == theirs) }
        let open = try #require(result.openTrade)
        #expect(open.quantity == 7_227)
        #expect(open.entryPrice == 695)
        #expect(Self.day(open.entryTime) == "2012-12-04")
        #expect(result.finalEquity == Decimal(string: "5827024.4")!)
        let stats = result.statistics
        #expect(abs(stats.totalReturnPercent - 482.702) < 0.0005, "\(stats.totalReturnPercent)")
        #expect(abs(stats.maxDrawdownPercent - -29.715) < 0.0005, "\(stats.maxDrawdownPercent)")
        #expect(abs((stats.sharpe ?? 0) - 1.0338) < 0.00005, "\(stats.sharpe ?? 0)")
        #expect(stats.calendar == .weekdays, "daily stock bars have no weekend: annualised over 252 trading days")
    }

    @Test("deterministic: two runs give identical results")
    func deterministic() throws {
        let candles = try SharedReferenceData.googCandles(exchange: "reference")
        let first = Backtester.run(strategy: try SMACrossover.make(["fast": 10, "slow": 30]), candles: candles, configuration: Self.configuration)
        let second = Backtester.run(strategy: try SMACrossover.make(["fast": 10, "slow": 30]), candles: candles, configuration: Self.configuration)
        #expect(first.trades == second.trades)
        #expect(first.equityCurve == second.equityCurve)
        #expect(first.statistics == second.statistics)
    }
}
