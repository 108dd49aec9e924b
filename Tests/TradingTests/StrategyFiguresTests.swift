import Foundation
import KeelsonTrading
import Testing

@Suite("Strategy figures: what one instance achieved with its round trips")
struct StrategyFiguresTests {
    static let day: TimeInterval = 86_400
    static let start = Date(timeIntervalSince1970: 1_709_251_200)

    static func trade(_ pnl: Decimal, exitDay: Double, symbol: String = "BTCUSDT", heldHours: Double = 6) -> AttributedTrade {
        let exit = start.addingTimeInterval(exitDay * day)
        return AttributedTrade(
            strategy: "s", symbol: symbol, entryTime: exit.addingTimeInterval(-heldHours * 3_600), exitTime: exit, pnl: pnl, fees: 1)
    }

    @Test("counts, win rate, profit factor, expectancy and the drawdown of capital plus realised PnL")
    func figures() {
        let trades = [Self.trade(100, exitDay: 0), Self.trade(-50, exitDay: 1), Self.trade(-30, exitDay: 2), Self.trade(60, exitDay: 3)]
        let figures = StrategyFigures.measure(trades, capital: 1_000)
        #expect(figures.trades == 4)
        #expect(figures.wins == 2)
        #expect(figures.winRate == 0.5)
        #expect(figures.realizedPnl == 80)
        #expect(figures.fees == 4)
        #expect(figures.profitFactor == 2)  // 160 / 80
        #expect(figures.expectancy == 20)
        #expect(figures.maxDrawdown == 80)  // 1,100 → 1,020
        #expect(abs(figures.maxDrawdownPercent - 80.0 / 1_100 * 100) < 1e-9)
        // Daily equity 1,000 → 1,100 → 1,050 → 1,020 → 1,080: the Sharpe of those four returns.
        let returns = [0.1, 1_050.0 / 1_100 - 1, 1_020.0 / 1_050 - 1, 1_080.0 / 1_020 - 1]
        let mean = returns.reduce(0, +) / 4
        let deviation = (returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 3).squareRoot()
        #expect(abs((figures.sharpe ?? 0) - mean / deviation * 365.0.squareRoot()) < 1e-9)
    }

    @Test("no losing trade: no profit factor; under three days: no Sharpe; nothing: zeros, not a crash")
    func edges() {
        let winners = StrategyFigures.measure([Self.trade(10, exitDay: 0), Self.trade(5, exitDay: 1)], capital: 1_000)
        #expect(winners.profitFactor == nil)
        #expect(winners.sharpe == nil)
        #expect(winners.maxDrawdown == 0)
        let none = StrategyFigures.measure([], capital: 1_000)
        #expect(none.trades == 0)
        #expect(none.winRate == nil)
        #expect(none.expectancy == nil)
        #expect(none.exposurePercent == nil)
    }

    @Test("exposure: time in round trips over the window, per symbol traded")
    func exposure() {
        let window = DateInterval(start: Self.start, duration: Self.day)
        let oneSymbol = StrategyFigures.measure([Self.trade(1, exitDay: 0.5, heldHours: 6)], capital: 1_000, window: window)
        #expect(oneSymbol.exposurePercent == 25)
        let twoSymbols = StrategyFigures.measure(
            [Self.trade(1, exitDay: 0.5, heldHours: 6), Self.trade(1, exitDay: 0.5, symbol: "ETHUSDT", heldHours: 12)], capital: 1_000,
            window: window)
        #expect(twoSymbols.exposurePercent == 37.5)
    }
}
