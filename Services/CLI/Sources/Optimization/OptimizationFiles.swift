import Foundation
import KeelsonBacktest
import KeelsonOptimizer

/// The files and the printed summary of a search.
struct OptimizationFiles {
    let optimizer: Optimizer
    let trials: [Trial]
    let outcome: OptimizationOutcome
    let strategy: String
    let bars: Int
    /// The optimization_runs key, when the run is recorded.
    var run: String?

    var parameterNames: [String] { optimizer.space.ranges.map(\.name) }

    func write(to directory: String, elapsed: Duration, workers: Int) throws {
        let files = [
            ("results.csv", resultsCSV()), ("folds.csv", foldsCSV()), ("best.json", try bestJSON(elapsed: elapsed, workers: workers)),
            ("report.html", try OptimizationHTMLReport(files: self).render()),
        ]
        for (name, text) in files {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
            } catch {
                throw CLIError("cannot write \(directory)/\(name): \(error.localizedDescription)")
            }
        }
    }

    /// One row per combination and fold, every statistic, and whether it met the constraints.
    func resultsCSV() -> String {
        var text =
            (["fold", "combination"] + parameterNames + ["accepted", "objective"] + StatisticConstraint.figures.map(\.name)).joined(separator: ",")
            + "\n"
        for trial in trials {
            let combination = optimizer.space.combinations[trial.combination]
            var cells = ["\(trial.fold)", "\(combination.gridIndex)"]
            cells += parameterNames.map { Self.number(combination.parameters[$0]) }
            cells.append(optimizer.accepts(trial.statistics) ? "true" : "false")
            cells.append(Self.number(optimizer.objective.value(of: trial.statistics)))
            cells += StatisticConstraint.figures.map { Self.number($0.value(trial.statistics)) }
            text += cells.joined(separator: ",") + "\n"
        }
        return text
    }

    /// One row per fold: its windows, its best, in- and out-of-sample objective, efficiency and the test's figures.
    func foldsCSV() -> String {
        var text =
            (["fold", "train_from", "train_to", "test_from", "test_to", "accepted"] + parameterNames + [
                "in_sample", "out_of_sample", "efficiency", "test_return", "test_max_drawdown", "test_trades",
            ]).joined(separator: ",") + "\n"
        for fold in outcome.folds {
            var cells = [
                "\(fold.fold.number)", Self.time(fold.fold.train.lowerBound), Self.time(fold.fold.train.upperBound),
                fold.fold.test.map { Self.time($0.lowerBound) } ?? "", fold.fold.test.map { Self.time($0.upperBound) } ?? "", "\(fold.accepted)",
            ]
            cells += parameterNames.map { Self.number(fold.best?.parameters[$0]) }
            let test = fold.test?.statistics
            cells += [
                Self.number(fold.inSample), Self.number(fold.outOfSample), Self.number(fold.efficiency), Self.number(test?.totalReturnPercent),
                Self.number(test?.maxDrawdownPercent), test.map { "\($0.trades)" } ?? "",
            ]
            text += cells.joined(separator: ",") + "\n"
        }
        return text
    }

    struct Best: Encodable {
        struct Stability: Encodable {
            var chosen: [Double]
            var coefficientOfVariation: Double?
            enum CodingKeys: String, CodingKey { case chosen; case coefficientOfVariation = "coefficient_of_variation" }
        }
        var run: String?
        var strategy: String
        var objective: String
        var constraints: [String]
        /// The last fold's best: the parameters to apply.
        var parameters: [String: Double]?
        var inSample: Double?
        var outOfSample: Double?
        var walkForwardEfficiency: Double?
        var folds: Int
        var combinations: Int
        var refused: Int
        var trials: Int
        var bars: Int
        var stability: [String: Stability]
        var seconds: Double
        var workers: Int
        enum CodingKeys: String, CodingKey {
            case run, strategy, objective, constraints, parameters, folds, combinations, refused, trials, bars, stability, seconds, workers
            case inSample = "in_sample", outOfSample = "out_of_sample", walkForwardEfficiency = "walk_forward_efficiency"
        }
    }

    func best(elapsed: Duration, workers: Int) -> Best {
        let walkForward = outcome.folds.contains { $0.fold.test != nil }
        return Best(
            run: run, strategy: strategy, objective: optimizer.objective.rawValue, constraints: optimizer.constraints.map(\.description),
            parameters: outcome.final?.best?.parameters, inSample: walkForward ? outcome.inSampleMean : outcome.final?.inSample,
            outOfSample: outcome.outOfSampleMean, walkForwardEfficiency: outcome.efficiency, folds: outcome.folds.count,
            combinations: optimizer.space.combinations.count, refused: optimizer.space.refused, trials: trials.count, bars: bars,
            stability: Dictionary(
                uniqueKeysWithValues: outcome.stability.map {
                    ($0.parameter, Best.Stability(chosen: $0.chosen, coefficientOfVariation: $0.coefficientOfVariation))
                }),
            seconds: Self.seconds(elapsed), workers: workers
        )
    }

    func bestJSON(elapsed: Duration, workers: Int) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(best(elapsed: elapsed, workers: workers)), as: UTF8.self) + "\n"
    }

    func summary(elapsed: Duration, workers: Int) -> String {
        let seconds = Self.seconds(elapsed)
        let space = optimizer.space
        var lines = [
            "searched \(space.combinations.count) combinations of \(strategy) × \(outcome.folds.count) fold\(outcome.folds.count == 1 ? "" : "s") on \(bars) bars in \(String(format: "%.2f", seconds)) s with \(workers) worker\(workers == 1 ? "" : "s") (\(String(format: "%.0f", seconds > 0 ? Double(trials.count) / seconds : 0)) backtests/s)"
        ]
        if space.refused > 0 { lines.append("skipped \(space.refused) the strategy refuses (\(space.firstRefusal ?? ""))") }
        let objective = optimizer.objective.rawValue
        if outcome.folds.contains(where: { $0.fold.test != nil }) {
            let windows = outcome.folds.map { fold in
                (
                    "\(Self.day(fold.fold.train.lowerBound)) → \(Self.day(fold.fold.train.upperBound))",
                    fold.fold.test.map { "\(Self.day($0.lowerBound)) → \(Self.day($0.upperBound))" } ?? ""
                )
            }
            let width = windows.map(\.0.count).max() ?? 0
            let bests = outcome.folds.map { $0.best.map(describe) ?? "none met the constraints" }
            let bestWidth = max(4, bests.map(\.count).max() ?? 0)
            func pad(_ text: String, _ length: Int) -> String { text.padding(toLength: length, withPad: " ", startingAt: 0) }
            lines.append(
                [pad("fold", 4), pad("train", width), pad("test", width), pad("best", bestWidth), "in-sample  out-of-sample  efficiency"].joined(
                    separator: "  "))
            for (index, fold) in outcome.folds.enumerated() {
                lines.append(
                    [
                        pad("\(fold.fold.number)", 4), pad(windows[index].0, width), pad(windows[index].1, width), pad(bests[index], bestWidth),
                        pad(Self.fixed(fold.inSample), 9), pad(Self.fixed(fold.outOfSample), 13), Self.fixed(fold.efficiency),
                    ].joined(separator: "  "))
            }
            lines.append(
                "overall \(objective): in-sample \(Self.fixed(outcome.inSampleMean)), out-of-sample \(Self.fixed(outcome.outOfSampleMean)), walk-forward efficiency \(Self.fixed(outcome.efficiency))"
            )
            for stability in outcome.stability {
                lines.append(
                    "\(stability.parameter) chosen per fold: \(stability.chosen.map { Self.number($0) }.joined(separator: ", ")) (variation \(Self.fixed(stability.coefficientOfVariation)))"
                )
            }
        }
        if let final = outcome.final, let best = final.best {
            lines.append("best: \(describe(best)) (in-sample \(objective) \(Self.fixed(final.inSample)), \(final.accepted) combinations accepted)")
        }
        return lines.joined(separator: "\n")
    }

    func describe(_ combination: Combination) -> String {
        parameterNames.map { "\($0)=\(Self.number(combination.parameters[$0]))" }.joined(separator: " ")
    }

    /// A figure as the shortest text that reads back to the same Double (so it compares exactly with summary.json).
    static func number(_ value: Double?) -> String {
        guard let value else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    static func fixed(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "—" }

    static func time(_ date: Date) -> String { date.formatted(.iso8601) }

    /// A fold boundary: the date, and the time of day when it is not midnight.
    static func day(_ date: Date) -> String {
        let text = date.formatted(.iso8601)
        return text.contains("T00:00:00") ? String(text.prefix(10)) : String(text.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
