import KeelsonBacktest

/// One combination backtested on one fold's train window.
public struct Trial: Sendable, Equatable {
    /// The fold's number (1-based) and the combination's position in the search space.
    public var fold: Int
    public var combination: Int
    public var statistics: BacktestStatistics

    public init(fold: Int, combination: Int, statistics: BacktestStatistics) {
        self.fold = fold
        self.combination = combination
        self.statistics = statistics
    }
}

/// A trial to run: which fold, which combination. Trials are numbered fold by fold, so shard `k` of `n` takes every
/// trial whose number is `k` modulo `n`, the same split whatever machine runs it.
public struct TrialKey: Sendable, Equatable, Hashable {
    public var fold: Int
    public var combination: Int
}
