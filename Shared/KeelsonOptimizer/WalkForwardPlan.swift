import Foundation

/// Walk-forward validation: train on a window, test the best of it on the window that follows, slide by `step`.
/// Written `train=180d,test=30d[,step=30d]` (units d, h, w; the step defaults to the test window).
public struct WalkForwardPlan: Sendable, Equatable, Codable {
    public var train: TimeInterval
    public var test: TimeInterval
    public var step: TimeInterval

    public init(train: TimeInterval, test: TimeInterval, step: TimeInterval? = nil) {
        self.train = train
        self.test = test
        self.step = step ?? test
    }

    public static func parse(_ text: String) throws(OptimizerError) -> WalkForwardPlan {
        var windows: [String: TimeInterval] = [:]
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, ["train", "test", "step"].contains(pair[0]), windows[pair[0]] == nil else {
                throw OptimizerError("--walk-forward \(text) is not train=DURATION,test=DURATION[,step=DURATION], e.g. train=180d,test=30d")
            }
            guard let seconds = duration(pair[1]) else {
                throw OptimizerError("--walk-forward \(text): '\(pair[1])' is not a duration; expected a whole number and d, h or w, e.g. 30d")
            }
            windows[pair[0]] = seconds
        }
        guard let train = windows["train"], let test = windows["test"] else {
            throw OptimizerError("--walk-forward \(text) needs both train= and test=, e.g. train=180d,test=30d")
        }
        return WalkForwardPlan(train: train, test: test, step: windows["step"])
    }

    /// A whole number of hours, days or weeks (`12h`, `30d`, `1w`) in seconds; nil for anything else.
    public static func duration(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let count = Int(text.dropLast()), count > 0 else { return nil }
        switch unit {
        case "h": return TimeInterval(count) * 3_600
        case "d": return TimeInterval(count) * 86_400
        case "w": return TimeInterval(count) * 7 * 86_400
        default: return nil
        }
    }

    /// The folds that fit wholly inside `[start, end)`; none when the data is shorter than one train and test window.
    public func folds(start: Date, end: Date) -> [Fold] {
        var folds: [Fold] = []
        var trainStart = start
        while true {
            let trainEnd = trainStart.addingTimeInterval(train)
            let testEnd = trainEnd.addingTimeInterval(test)
            guard testEnd <= end else { break }
            folds.append(Fold(number: folds.count + 1, train: trainStart..<trainEnd, test: trainEnd..<testEnd))
            trainStart = trainStart.addingTimeInterval(step)
        }
        return folds
    }

    public var text: String { "train=\(Self.text(train)),test=\(Self.text(test)),step=\(Self.text(step))" }

    /// A duration as the option writes it: whole days, else whole hours.
    public static func text(_ seconds: TimeInterval) -> String {
        seconds.truncatingRemainder(dividingBy: 86_400) == 0 ? "\(Int(seconds / 86_400))d" : "\(Int(seconds / 3_600))h"
    }
}

/// One train window and the test window after it; a search without walk-forward is one fold with no test.
public struct Fold: Sendable, Equatable, Codable {
    public var number: Int
    public var train: Range<Date>
    public var test: Range<Date>?

    public init(number: Int, train: Range<Date>, test: Range<Date>?) {
        self.number = number
        self.train = train
        self.test = test
    }
}
