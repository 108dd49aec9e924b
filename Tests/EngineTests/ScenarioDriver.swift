import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonTestSupport
import NIOCore
import PostgresNIO

/// One step of a market replayed against the engine.
enum ScenarioStep: Sendable {
    /// The collector stores the bar, then pushes it.
    case bar(Candle)
    /// The signal service stores a signal computed on the bar at this index, then pushes it.
    case signal(TradeSide, bar: Int)
}

/// Drives a `keelson-engine` process through a scenario as the collector and the signal service would, one step at
/// a time: the next step starts only once the engine has processed the bar (its cursor in `engine_bar_cursors`) or
/// decided the signal (`engine_signal_log`), so a run's outcome depends on the market alone. An engine found dead is
/// started again, as an orchestrator would, and the step waits for the restarted engine.
final class ScenarioDriver {
    typealias F = EngineFixture

    let url: DatabaseURL
    let postgres: PostgresClient
    private(set) var engine: EngineProcess
    private(set) var restarts = 0
    /// For each restart, the time from starting the new process to its `/ready` answering 200.
    private(set) var readyAfterRestart: [Duration] = []
    /// A push to an engine killed a moment ago fails within this; the engine takes the step from PostgreSQL anyway.
    static let pushTimeout: TimeAmount = .seconds(2)
    /// The logs of the engine processes that died, oldest first.
    private(set) var endedLogs: [String] = []
    /// Every engine process's log so far.
    var logs: [String] { endedLogs + [engine.child.output().stdout] }

    init(url: DatabaseURL, postgres: PostgresClient) async throws {
        self.url = url
        self.postgres = postgres
        engine = try await EngineProcess.start(database: url)
        try await ensureReady()
    }

    /// Runs the steps; before each one, `kills` may schedule a SIGKILL a few milliseconds into it.
    func run(_ steps: [ScenarioStep], kills: inout RandomKills?) async throws {
        for step in steps {
            kills?.maybeKill(engine.child)
            switch step {
            case .bar(let candle):
                try await F.seedCandles([candle], postgres: postgres)
                _ = try? await engine.postCandles([candle], timeout: Self.pushTimeout)
                try await waitUntil("bar \(candle.openTime.formatted(.iso8601)) processed") {
                    try await F.value(
                        "SELECT coalesce(max(last_bar_open_time) >= \(candle.openTime), false) FROM engine_bar_cursors", as: Bool.self,
                        postgres: self.postgres
                    )
                }
            case .signal(let side, let bar):
                let id = try await F.insertSignal(side, bar: bar, postgres: postgres)
                _ = try? await engine.postSignals([id], timeout: Self.pushTimeout)
                try await waitUntil("signal \(id) decided") {
                    try await F.value("SELECT count(*)::int FROM engine_signal_log WHERE signal_id = \(id)", as: Int.self, postgres: self.postgres)
                        == 1
                }
            }
        }
        // A kill scheduled at the last step can land after it: let it, then bring the engine back, so that what
        // follows (the settled checks, the engine's API) talks to a live one.
        if let kills {
            try await Task.sleep(for: .milliseconds(kills.maxDelayMilliseconds + 100))
            try await ensureReady()
        }
    }

    func run(_ steps: [ScenarioStep]) async throws {
        var none: RandomKills?
        try await run(steps, kills: &none)
    }

    /// Starts the engine again until one is ready (a kill may land during recovery too).
    func ensureReady() async throws {
        var starts = 0
        var restartedAt: ContinuousClock.Instant?
        while !(await engine.waitUntilReady(timeout: .seconds(30))) {
            guard !engine.child.isRunning else {
                throw TestSetupError("the engine is running but not ready after 30 s: \(engine.child.output().stdout.suffix(3000))")
            }
            starts += 1
            guard starts <= 20 else {
                throw TestSetupError("the engine died 20 times in a row at start: \(engine.child.output().stderr.suffix(3000))")
            }
            endedLogs.append(engine.child.output().stdout)
            restartedAt = ContinuousClock.now
            engine = try await EngineProcess.start(database: url)
            restarts += 1
        }
        if let restartedAt { readyAfterRestart.append(ContinuousClock.now - restartedAt) }
    }

    private func waitUntil(_ what: String, _ done: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try await !done() {
            guard ContinuousClock.now < deadline else {
                throw TestSetupError("\(what): not within 60 s; engine log: \(engine.child.output().stdout.suffix(3000))")
            }
            if !engine.child.isRunning { try await ensureReady() }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func stop() async throws {
        try await engine.stop()
    }

    /// What a run traded, in a form two runs can be compared by: every fill (side, cause, quantity, price, market
    /// time), every round trip, and how every signal was decided.
    static func outcome(_ postgres: PostgresClient) async throws -> [String] {
        var lines: [String] = []
        for try await (side, cause, quantity, price, time) in try await postgres.query(
            """
            SELECT o.side, o.cause, trim_scale(f.quantity)::text, trim_scale(f.price)::text, f.filled_at
            FROM fills f JOIN orders o ON o.id = f.order_id ORDER BY f.filled_at, o.side, f.id
            """, logger: TestDatabase.logger
        ).decode((String, String, String, String, Date).self) {
            lines.append("fill \(time.formatted(.iso8601)) \(side) \(cause) \(quantity) @ \(price)")
        }
        for try await (entry, exit, quantity, pnl, reason) in try await postgres.query(
            "SELECT entry_time, exit_time, trim_scale(quantity)::text, trim_scale(pnl)::text, exit_reason FROM trades ORDER BY exit_time, id",
            logger: TestDatabase.logger
        ).decode((Date, Date, String, String, String).self) {
            lines.append("trade \(entry.formatted(.iso8601))–\(exit.formatted(.iso8601)) \(quantity) pnl \(pnl) \(reason)")
        }
        for try await (outcome, reason) in try await postgres.query(
            "SELECT outcome, coalesce(reason, '') FROM engine_signal_log ORDER BY signal_id", logger: TestDatabase.logger
        ).decode((String, String).self) {
            lines.append("signal \(outcome) \(reason)")
        }
        return lines
    }
}

extension EngineFixture {
    /// A seeded random market after the 20 flat bars of history: a walk with gaps, bars thin enough that entries
    /// fill over several bars, and buy and sell signals at random — so stops, partial fills, exits into working
    /// entries and rejections all happen.
    static func randomMarket(seed: UInt64, bars: Range<Int>) -> [ScenarioStep] {
        var random = SplitMix64(seed: seed)
        var steps: [ScenarioStep] = []
        var close = 100.0
        func price(_ value: Double) -> String { String(format: "%.2f", max(value, 1)) }
        for index in bars {
            let open = close + (Double.random(in: 0..<1, using: &random) < 0.1 ? random.nextGaussian() * 3 : 0)
            close = open + random.nextGaussian() * 1.2
            let high = max(open, close) + Double.random(in: 0...1.2, using: &random)
            let low = min(open, close) - Double.random(in: 0...1.2, using: &random)
            let volume = ["40", "60", "200", "1000"].randomElement(using: &random)!
            steps.append(.bar(bar(index, price(open), price(high), price(low), price(close), volume: volume)))
            close = Double(price(close))!
            let draw = Double.random(in: 0..<1, using: &random)
            if draw < 0.18 { steps.append(.signal(.buy, bar: index)) } else if draw < 0.30 { steps.append(.signal(.sell, bar: index)) }
        }
        return steps
    }

    /// Steps that end a run: a sell signal on the last bar, then bars with volume enough to fill whatever is working,
    /// at the last close so no stop moves — after them no order works and no position is open.
    static func settling(after steps: [ScenarioStep], bars: Int = 3) -> [ScenarioStep] {
        guard case .bar(let last)? = steps.last(where: { if case .bar = $0 { true } else { false } }) else { return [] }
        let lastIndex = Int(last.openTime.timeIntervalSince(time(0)) / 60)
        let close = "\(last.close)"
        return [.signal(.sell, bar: lastIndex)]
            + (1...bars).map { .bar(bar(lastIndex + $0, close, close, close, close, volume: "1000000")) }
    }
}
