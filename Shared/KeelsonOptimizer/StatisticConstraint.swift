import KeelsonBacktest

/// A condition every acceptable combination meets, e.g. `max_drawdown>-20` (a drawdown no deeper than 20 %) or
/// `trades>=30`. A run without the figure does not meet it.
public struct StatisticConstraint: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Comparison: String, Sendable, Codable, CaseIterable {
        case atLeast = ">=", atMost = "<=", above = ">", below = "<"
    }

    public var statistic: String
    public var comparison: Comparison
    public var bound: Double

    /// The figures a constraint can name, in results.csv's order and with its names.
    public static let figures: [(name: String, value: @Sendable (BacktestStatistics) -> Double?)] = [
        ("return", { $0.totalReturnPercent }), ("cagr", { $0.cagrPercent }), ("volatility", { $0.annualizedVolatilityPercent }),
        ("sharpe", { $0.sharpe }), ("sortino", { $0.sortino }), ("calmar", { $0.calmar }), ("max_drawdown", { $0.maxDrawdownPercent }),
        ("max_drawdown_days", { $0.maxDrawdownDays }), ("trades", { Double($0.trades) }), ("win_rate", { $0.winRatePercent }),
        ("profit_factor", { $0.profitFactor }), ("expectancy", { $0.expectancy }), ("exposure", { $0.exposurePercent }),
        ("fees", { $0.feesPaid }), ("final_equity", { $0.finalEquity }),
    ]

    public static func parse(_ text: String) throws(OptimizerError) -> StatisticConstraint {
        let compact = text.filter { !$0.isWhitespace }
        // Two-character comparisons first, so ">=" is not read as ">" followed by "=…".
        for comparison in [Comparison.atLeast, .atMost, .above, .below] {
            guard let range = compact.range(of: comparison.rawValue) else { continue }
            let name = String(compact[..<range.lowerBound])
            guard Self.figures.contains(where: { $0.name == name }) else {
                throw OptimizerError(
                    "--constraint \(text): unknown statistic '\(name)'; expected one of \(figures.map(\.name).joined(separator: ", "))")
            }
            guard let bound = Double(compact[range.upperBound...]), bound.isFinite else {
                throw OptimizerError("--constraint \(text): '\(compact[range.upperBound...])' is not a number, e.g. max_drawdown>-20")
            }
            return StatisticConstraint(statistic: name, comparison: comparison, bound: bound)
        }
        throw OptimizerError("--constraint \(text) is not STATISTIC>NUMBER (or >=, <, <=), e.g. max_drawdown>-20")
    }

    public func isMet(by statistics: BacktestStatistics) -> Bool {
        guard let value = Self.figures.first(where: { $0.name == statistic })?.value(statistics) else { return false }
        switch comparison {
        case .atLeast: return value >= bound
        case .atMost: return value <= bound
        case .above: return value > bound
        case .below: return value < bound
        }
    }

    public var description: String { "\(statistic)\(comparison.rawValue)\(format(bound))" }
}
