import KeelsonBacktest

/// What a search maximises: a figure of `BacktestStatistics`. A run without the figure (no trades, no losing
/// day) ranks below every run with one.
public enum Objective: String, Sendable, CaseIterable, Codable {
    case sharpe, sortino, calmar
    case totalReturn = "return"
    case profitFactor = "profit_factor"

    public static func parse(_ text: String) throws(OptimizerError) -> Objective {
        guard let objective = Objective(rawValue: text) else {
            throw OptimizerError("--objective \(text) is not an objective; expected one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return objective
    }

    public func value(of statistics: BacktestStatistics) -> Double? {
        switch self {
        case .sharpe: statistics.sharpe
        case .sortino: statistics.sortino
        case .calmar: statistics.calmar
        case .totalReturn: statistics.totalReturnPercent
        case .profitFactor: statistics.profitFactor
        }
    }
}
