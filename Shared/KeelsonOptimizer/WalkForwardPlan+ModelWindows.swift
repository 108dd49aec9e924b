import Foundation
import KeelsonModels

extension WalkForwardPlan {
    /// The plan's folds over the bars from `start` to `end` (where the last bar closes) as a model's walk-forward
    /// windows: the same folds a strategy's walk-forward uses, so both read `--walk-forward` alike.
    public func modelWindows(start: Date, end: Date) -> [WalkForwardWindow] {
        folds(start: start, end: end).compactMap { fold in fold.test.map { WalkForwardWindow(train: fold.train, test: $0) } }
    }
}
