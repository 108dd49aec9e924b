import Foundation
import KeelsonDomain
import KeelsonTestSupport
import PostgresNIO
import Testing

/// What a restart guarantees (docs/ENGINE.md, "What a restart guarantees"): an exit and the end of the entry it
/// closes are one write; bars stored while the engine was down are traded on in order; and a run killed at random
/// moments trades exactly as the same run uninterrupted.
@Suite("Engine: restarts change nothing", .timeLimit(.minutes(5)))
struct RestartSafetyTests {
    typealias F = EngineFixture

    /// Buy at bar 19; bars of volume 40 fill 10 of the 25 wanted per bar; bar 21 fills 10 more, then crosses the stop.
    static let stopIntoWorkingEntry: [ScenarioStep] = [
        .signal(.buy, bar: 19),
        .bar(F.bar(20, "100", "101", "99", "100", volume: "40")),
        .bar(F.bar(21, "99", "99.5", "95", "95.5", volume: "40")),
        .bar(F.bar(22, "95.5", "96", "95", "95.5", volume: "40")),
        .bar(F.bar(23, "95.5", "96", "95", "95.5", volume: "40")),
    ]

    /// Buy at bar 19; 10 bought on bar 20; a sell signal on bar 20 while the rest of the entry is working.
    static let sellIntoWorkingEntry: [ScenarioStep] = [
        .signal(.buy, bar: 19),
        .bar(F.bar(20, "100", "101", "99", "100", volume: "40")),
        .signal(.sell, bar: 20),
        .bar(F.bar(21, "100", "101", "99", "100.5", volume: "40")),
        .bar(F.bar(22, "100.5", "101", "100", "100.5", volume: "40")),
    ]

    /// The same scenario run without interruption, in a database of its own.
    static func uninterrupted(_ steps: [ScenarioStep]) async throws -> [String] {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let driver = try await ScenarioDriver(url: url, postgres: postgres)
            try await driver.run(steps)
            try await driver.stop()
            return try await ScenarioDriver.outcome(postgres)
        }
    }

    /// No fill of an entry on a bar after an exit for its position was decided (the exit's order id is larger than
    /// the entry's; fills carry market time, and an entry may still fill on the exit's own bar, before the stop).
    static func entryFillsAfterExits(_ postgres: PostgresClient) async throws -> Int {
        try await F.value(
            """
            SELECT count(*)::int FROM orders x
            JOIN orders e ON e.session_id = x.session_id AND e.symbol = x.symbol AND e.side = 'buy' AND e.id < x.id
            JOIN fills f ON f.order_id = e.id
            WHERE x.side = 'sell' AND x.status = 'filled' AND f.filled_at >= x.decided_after_bar + interval '1 minute'
            """, as: Int.self, postgres: postgres
        )
    }

    /// Stored bars that working orders or stops skipped, between the first and the last bar processed:
    /// - an order filled on a later bar than the first stored bar after its decision (fills are at a bar's open plus
    ///   latency, a stop's at its close plus latency);
    /// - a round trip whose entry was open on a bar whose low went below every stop the position can have had (the
    ///   lowest entry fill minus the planned stop distance, less a tick for rounding) without exiting on that bar.
    static func skippedBars(_ postgres: PostgresClient) async throws -> (orders: Int, stops: Int) {
        let orders = try await F.value(
            """
            SELECT count(*)::int FROM orders o
            JOIN LATERAL (SELECT min(filled_at) AS first_fill FROM fills WHERE order_id = o.id) f ON f.first_fill IS NOT NULL
            WHERE EXISTS (SELECT 1 FROM candles c WHERE c.symbol = o.symbol
                          AND c.open_time > o.decided_after_bar + interval '1 second' AND c.open_time < f.first_fill - interval '30 seconds')
            """, as: Int.self, postgres: postgres
        )
        let stops = try await F.value(
            """
            SELECT count(*)::int FROM trades t
            JOIN orders e ON e.id = t.entry_order_id
            JOIN orders x ON x.id = t.exit_order_id
            JOIN LATERAL (SELECT min(filled_at) AS first_fill, min(price) AS lowest FROM fills WHERE order_id = e.id) f ON true
            WHERE EXISTS (SELECT 1 FROM candles c WHERE c.symbol = t.symbol
                          AND c.open_time > f.first_fill - interval '30 seconds' AND c.open_time < x.decided_after_bar
                          AND c.low < f.lowest - (e.planned_exits ->> 'stop_distance')::numeric - 0.01)
            """, as: Int.self, postgres: postgres
        )
        return (orders, stops)
    }

    /// After a kill between an exit's write and the cancel of the entry still buying, and the restart: the entry was
    /// canceled having bought `bought`, nothing filled it after the exit, and the round trip closed for `exitReason`.
    static func expectEntryEndedByExit(bought: Decimal, exitReason: String, postgres: PostgresClient) async throws {
        #expect(try await F.value("SELECT status FROM orders WHERE side = 'buy'", as: String.self, postgres: postgres) == "canceled")
        #expect(try await F.value("SELECT sum(quantity) FROM fills WHERE side = 'buy'", as: Decimal.self, postgres: postgres) == bought)
        #expect(try await F.value("SELECT exit_reason FROM trades", as: String.self, postgres: postgres) == exitReason)
        #expect(try await F.count("positions", postgres: postgres) == 0)
        #expect(try await entryFillsAfterExits(postgres) == 0)
        try await CrashRecoveryTests.invariants(postgres)
    }

    @Test("killed between a stop's exit and the cancel of the entry still buying: the entry buys no more, the exit fills at the stop's price")
    func killedAfterStopExitWritten() async throws {
        let expected = try await Self.uninterrupted(Self.stopIntoWorkingEntry)
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let engine = try await EngineProcess.start(database: url, crashAt: "after-exit-written")
            #expect(await engine.waitUntilReady(), Comment(rawValue: engine.child.output().stdout))
            let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
            _ = try await engine.postSignals([buy])
            for bar in [F.bar(20, "100", "101", "99", "100", volume: "40"), F.bar(21, "99", "99.5", "95", "95.5", volume: "40")] {
                try await F.seedCandles([bar], postgres: postgres)
                _ = try? await engine.postCandles([bar])
            }
            let died = try await engine.child.wait(timeout: .seconds(20))
            #expect(died.exitCode == SIGKILL, Comment(rawValue: died.stderr))

            // The exit, the cancel request on the entry and the attempt counter were written together.
            let (entryStatus, cancelRequested) = try await postgres.query("SELECT status, cancel_requested FROM orders WHERE side = 'buy'").collect()[
                0
            ]
            .decode((String, String?).self)
            #expect(entryStatus == "partially_filled")
            #expect(cancelRequested == "exit: stop_loss")
            #expect(try await F.value("SELECT cause FROM orders WHERE side = 'sell'", as: String.self, postgres: postgres) == "stop_loss")
            #expect(try await F.value("SELECT exit_attempts FROM positions", as: Int32.self, postgres: postgres) == 1)

            let driver = try await ScenarioDriver(url: url, postgres: postgres)
            try await driver.run(Array(Self.stopIntoWorkingEntry.dropFirst(3)))
            try await driver.stop()

            try await Self.expectEntryEndedByExit(bought: 20, exitReason: "stop_loss", postgres: postgres)
            let finding = try await F.value("SELECT reason FROM risk_events WHERE kind = 'reconciliation'", as: String.self, postgres: postgres)
            #expect(finding.contains("entry canceled at start because its position has an exit"), Comment(rawValue: finding))
            #expect(try await ScenarioDriver.outcome(postgres) == expected)
        }
    }

    @Test("killed between a sell signal's order and the cancel of the entry still buying: the entry buys no more, the sell closes the position")
    func killedAfterSellSignalWritten() async throws {
        let expected = try await Self.uninterrupted(Self.sellIntoWorkingEntry)
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let engine = try await EngineProcess.start(database: url, crashAt: "after-exit-written")
            #expect(await engine.waitUntilReady(), Comment(rawValue: engine.child.output().stdout))
            _ = try await engine.postSignals([try await F.insertSignal(.buy, bar: 19, postgres: postgres)])
            let bar = F.bar(20, "100", "101", "99", "100", volume: "40")
            try await F.seedCandles([bar], postgres: postgres)
            _ = try await engine.postCandles([bar])
            let sell = try await F.insertSignal(.sell, bar: 20, postgres: postgres)
            _ = try? await engine.postSignals([sell])
            let died = try await engine.child.wait(timeout: .seconds(20))
            #expect(died.exitCode == SIGKILL, Comment(rawValue: died.stderr))
            #expect(
                try await F.value("SELECT cancel_requested FROM orders WHERE side = 'buy'", as: String.self, postgres: postgres)
                    == "exit on signal \(sell)")

            let driver = try await ScenarioDriver(url: url, postgres: postgres)
            try await driver.run(Array(Self.sellIntoWorkingEntry.dropFirst(3)))
            try await driver.stop()

            try await Self.expectEntryEndedByExit(bought: 10, exitReason: "signal", postgres: postgres)
            #expect(try await ScenarioDriver.outcome(postgres) == expected)
        }
    }

    @Test("killed right after a partial fill, before the bar is recorded as processed: the replayed bar fills nothing more, the next bar does")
    func killedAfterPartialFill() async throws {
        let steps: [ScenarioStep] = [.signal(.buy, bar: 19)] + (20..<23).map { .bar(F.bar($0, "100", "101", "99", "100", volume: "40")) }
        let expected = try await Self.uninterrupted(steps)
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let engine = try await EngineProcess.start(database: url, crashAt: "after-fill-recorded")
            #expect(await engine.waitUntilReady(), Comment(rawValue: engine.child.output().stdout))
            _ = try await engine.postSignals([try await F.insertSignal(.buy, bar: 19, postgres: postgres)])
            let bar = F.bar(20, "100", "101", "99", "100", volume: "40")
            try await F.seedCandles([bar], postgres: postgres)
            _ = try? await engine.postCandles([bar])
            let died = try await engine.child.wait(timeout: .seconds(20))
            #expect(died.exitCode == SIGKILL, Comment(rawValue: died.stderr))
            #expect(
                try await F.count("engine_bar_cursors", postgres: postgres) == 1, "the history's last bar, 19; bar 20 is not recorded as processed")

            let driver = try await ScenarioDriver(url: url, postgres: postgres)
            try await driver.run(Array(steps.dropFirst(2)))
            try await driver.stop()
            let fills = try await postgres.query("SELECT quantity FROM fills ORDER BY id").collect().map { try $0.decode(Decimal.self) }
            #expect(fills == [10, 10, 5])
            #expect(try await ScenarioDriver.outcome(postgres) == expected)
        }
    }

    @Test("an exit id already used by an exit that ended is skipped, never taken as sent: the next stop exit is sent and fills")
    func usedExitIDIsSkipped() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let driver = try await ScenarioDriver(url: url, postgres: postgres)
            try await driver.run([.signal(.buy, bar: 19), .bar(F.bar(20, "100", "101", "99", "100"))])
            // close-all writes exit attempt 0; the kill switch cancels it before any bar fills it.
            #expect(try await driver.engine.request("/internal/v1/trading/close-all", method: .POST, body: #"{"reason":"test"}"#).status == 200)
            #expect(try await driver.engine.request("/internal/v1/trading/halt", method: .POST, body: #"{"reason":"test"}"#).status == 200)
            let entryID = try await F.value("SELECT id FROM orders WHERE side = 'buy'", as: Int64.self, postgres: postgres)
            #expect(
                try await F.value("SELECT status FROM orders WHERE client_order_id = \("k-exit-\(entryID)-0")", as: String.self, postgres: postgres)
                    == "canceled")
            try await driver.stop()
            // As an engine before this fix left it: the counter not saved with the exit.
            try await postgres.query("UPDATE positions SET exit_attempts = 0")

            let restarted = try await ScenarioDriver(url: url, postgres: postgres)
            #expect(try await restarted.engine.request("/internal/v1/trading/resume", method: .POST, body: #"{"reason":"test"}"#).status == 200)
            try await restarted.run([.bar(F.bar(21, "99", "99.5", "95", "95.5"))])
            let log = restarted.engine.child.output().stdout
            try await restarted.stop()
            #expect(log.contains("exit ids used before were skipped"), Comment(rawValue: log))
            let exit = try await postgres.query("SELECT client_order_id, status, cause FROM orders WHERE side = 'sell' ORDER BY id DESC LIMIT 1")
                .collect()[0]
                .decode((String, String, String).self)
            #expect(exit.0 == "k-exit-\(entryID)-1")
            #expect(exit.1 == "filled")
            #expect(exit.2 == "stop_loss")
            #expect(try await F.value("SELECT exit_reason FROM trades", as: String.self, postgres: postgres) == "stop_loss")
            #expect(try await F.count("positions", postgres: postgres) == 0)
            try await CrashRecoveryTests.invariants(postgres)
        }
    }

    /// Buy at bar 19; while the engine is down the collector stores bars 20–27: thin bars fill the entry over three
    /// bars, bar 25 crosses the trailing stop (103 − 3 × ATR, above the initial stop).
    static let downtime: [ScenarioStep] =
        [.signal(.buy, bar: 19)]
        + [
            F.bar(20, "100", "101", "99", "100.5", volume: "40"),
            F.bar(21, "100.5", "102", "100", "101.5", volume: "40"),
            F.bar(22, "101.5", "103", "101", "102.5", volume: "40"),
            F.bar(23, "102.5", "103", "101", "102", volume: "1000"),
            F.bar(24, "102", "102.5", "100", "100.5", volume: "1000"),
            F.bar(25, "100.5", "101", "95", "96", volume: "1000"),
            F.bar(26, "96", "97", "95", "96.5", volume: "1000"),
            F.bar(27, "96.5", "97", "96", "96.5", volume: "1000"),
        ].map { ScenarioStep.bar($0) }

    @Test("bars stored while the engine was down are replayed in order on restart: the entry fills on the first, the stop on the bar that crossed it")
    func barsStoredDuringDowntime() async throws {
        let expected = try await Self.uninterrupted(Self.downtime)
        #expect(expected.contains { $0.hasPrefix("trade") && $0.hasSuffix("trailing_stop") }, Comment(rawValue: expected.joined(separator: "\n")))
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let driver = try await ScenarioDriver(url: url, postgres: postgres)
            try await driver.run([Self.downtime[0]])
            try await driver.stop()
            for case .bar(let candle) in Self.downtime { try await F.seedCandles([candle], postgres: postgres) }

            let restarted = try await ScenarioDriver(url: url, postgres: postgres)
            let log = restarted.engine.child.output().stdout
            try await restarted.stop()
            #expect(log.contains("replayed the bars stored while this session was not processing them"), Comment(rawValue: log))
            #expect(try await ScenarioDriver.outcome(postgres) == expected)
            let firstFill = try await F.value("SELECT min(filled_at) FROM fills", as: Date.self, postgres: postgres)
            #expect(abs(firstFill.timeIntervalSince(F.time(20)) - 0.05) < 0.001, "the entry fills on bar 20, the first stored after its decision")
            let exitFill = try await F.value("SELECT filled_at FROM fills WHERE side = 'sell'", as: Date.self, postgres: postgres)
            #expect(abs(exitFill.timeIntervalSince(F.time(26)) - 0.05) < 0.001, "the stop exits at the close of bar 25, the bar that crossed it")
            let skipped = try await Self.skippedBars(postgres)
            #expect(skipped.orders == 0 && skipped.stops == 0)
        }
    }
}
