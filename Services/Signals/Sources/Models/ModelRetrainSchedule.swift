import Foundation
import KeelsonFoundation
import KeelsonOptimizer

/// `KEELSON_MODEL_RETRAIN` (how often, e.g. `7d`; unset or `off`: never) and its companions: the signal service
/// retrains each served model on the latest stored history once its newest version is that old, and the new
/// version replaces the active one only when it beats it and the naive baseline out of sample by the margin.
public struct ModelRetrainSchedule: Sendable, Equatable {
    public static let variable = "KEELSON_MODEL_RETRAIN"
    public static let historyVariable = "KEELSON_MODEL_RETRAIN_HISTORY"
    public static let walkForwardVariable = "KEELSON_MODEL_RETRAIN_WALK_FORWARD"
    public static let marginVariable = "KEELSON_MODEL_RETRAIN_MARGIN"

    /// The age of a name's newest version at which it is retrained.
    public var every: TimeInterval
    /// How much stored history, ending at the newest stored bar, the new version trains on.
    public var history: TimeInterval
    public var walkForward: WalkForwardPlan
    public var margin: Double
    /// How often the service looks for a name that is due.
    public var checkInterval: Duration

    public init(
        every: TimeInterval, history: TimeInterval = 90 * 86_400, walkForward: WalkForwardPlan = WalkForwardPlan(train: 30 * 86_400, test: 7 * 86_400),
        margin: Double = 0.001, checkInterval: Duration = .seconds(60)
    ) {
        self.every = every
        self.history = history
        self.walkForward = walkForward
        self.margin = margin
        self.checkInterval = checkInterval
    }

    /// The schedule the environment sets, or nil when retraining is off.
    public static func load(_ environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) -> ModelRetrainSchedule? {
        guard let text = environment.string(variable), text != "off" else { return nil }
        guard let every = WalkForwardPlan.duration(text) else {
            throw ConfigurationError(variable: variable, problem: "'\(text)' is not a duration; expected a whole number and h, d or w (e.g. 7d), or off")
        }
        var schedule = ModelRetrainSchedule(every: every)
        if let text = environment.string(historyVariable) {
            guard let history = WalkForwardPlan.duration(text) else {
                throw ConfigurationError(variable: historyVariable, problem: "'\(text)' is not a duration; expected a whole number and h, d or w, e.g. 90d")
            }
            schedule.history = history
        }
        if let text = environment.string(walkForwardVariable) {
            do { schedule.walkForward = try WalkForwardPlan.parse(text) } catch {
                throw ConfigurationError(
                    variable: walkForwardVariable, problem: "'\(text)' is not train=DURATION,test=DURATION[,step=DURATION], e.g. train=30d,test=7d")
            }
        }
        guard schedule.walkForward.train + schedule.walkForward.test <= schedule.history else {
            throw ConfigurationError(
                variable: walkForwardVariable, problem: "one training and test window is longer than \(historyVariable); shorten the windows or give more history")
        }
        if let text = environment.string(marginVariable) {
            guard let margin = Double(text), margin >= 0, margin.isFinite else {
                throw ConfigurationError(variable: marginVariable, problem: "'\(text)' is not a log-loss margin; expected a number ≥ 0, e.g. 0.001")
            }
            schedule.margin = margin
        }
        return schedule
    }
}
