import ArgumentParser
import Foundation
import KeelsonPersistence
import PostgresNIO

/// `keelson data archive --older-than 90d`: moves candles that opened, and closed trades that exited, before the
/// cutoff into `candles_archive` and `trades_archive` (migration 5: the same columns). Each batch is one statement —
/// `DELETE … RETURNING` feeding `INSERT … ON CONFLICT DO UPDATE` in one data-modifying CTE — so a row is always in
/// exactly one of the two tables; stopping half-way loses nothing, and running it again moves only what is left.
struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Move candles and closed trades older than --older-than into candles_archive and trades_archive, one transaction per batch."
    )
    @OptionGroup var database: DatabaseOptions
    @Option(
        name: .customLong("older-than"), help: "An age such as 90d, 12h or 30m: candles opened and trades closed before now minus this are moved.")
    var olderThan: String
    @Option(name: .customLong("batch-size"), help: "Rows moved per transaction.") var batchSize = 10_000
    @Flag(name: .customLong("dry-run"), help: "Count what would be moved and change nothing.") var dryRun = false
    @Flag(help: "Print the counts as JSON for scripts.") var json = false

    struct Summary: Encodable {
        var cutoff: Date
        var olderThan: String
        var dryRun: Bool
        var candles: Int64
        var trades: Int64
        var transactions: Int

        enum CodingKeys: String, CodingKey {
            case cutoff, candles, trades, transactions
            case olderThan = "older_than"
            case dryRun = "dry_run"
        }
    }

    func run() async throws {
        try await reportingErrors {
            let age = try ArchiveAge(parsing: olderThan)
            guard (1...1_000_000).contains(batchSize) else {
                throw CLIError("--batch-size \(batchSize) is out of range; give 1 to 1000000 rows", exitCode: 2)
            }
            let dryRun = dryRun, batchSize = batchSize
            let summary = try await database.withClient { client, _ in
                try await Self.archive(client: client, age: age, batchSize: batchSize, dryRun: dryRun)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
                return
            }
            let cutoff = summary.cutoff.formatted(Date.ISO8601FormatStyle())
            let rows = "\(Self.plural(summary.candles, "candle")) and \(Self.plural(summary.trades, "trade"))"
            if dryRun {
                print("would archive \(rows) older than \(age.text) (before \(cutoff)); dry run, nothing changed")
            } else {
                print(
                    "archived \(rows) older than \(age.text) (before \(cutoff)) into candles_archive and trades_archive in \(summary.transactions) transaction\(summary.transactions == 1 ? "" : "s")"
                )
            }
        }
    }

    static func plural(_ count: Int64, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

    static func archive(client: PostgresClient, age: ArchiveAge, batchSize: Int, dryRun: Bool) async throws -> Summary {
        let logger = CLILogger.quiet
        let ready = try await client.query(
            "SELECT to_regclass('public.candles_archive') IS NOT NULL AND to_regclass('public.trades_archive') IS NOT NULL", logger: logger
        ).collect()[0].decode(Bool.self)
        guard ready else {
            throw CLIError("the archive tables do not exist yet (they come with schema version 5); run `keelson db migrate up` first")
        }
        // One cutoff, from the database's clock, for every batch.
        let cutoff = try await client.query("SELECT now() - make_interval(secs => \(Double(age.seconds)))", logger: logger).collect()[0].decode(
            Date.self)
        let candleCount = try await client.query("SELECT count(*) FROM candles WHERE open_time < \(cutoff)", logger: logger).collect()[0].decode(
            Int64.self)
        let tradeCount = try await client.query("SELECT count(*) FROM trades WHERE exit_time < \(cutoff)", logger: logger).collect()[0].decode(
            Int64.self)
        var summary = Summary(cutoff: cutoff, olderThan: age.text, dryRun: dryRun, candles: candleCount, trades: tradeCount, transactions: 0)
        if dryRun || candleCount + tradeCount == 0 { return summary }

        let progress = ProgressLine(total: Int(candleCount + tradeCount), unit: "rows", showAfter: .seconds(1))
        var movedCandles: Int64 = 0
        var movedTrades: Int64 = 0
        // Candles series by series, so each batch is a range scan of the primary key.
        var series: [(String, String, String)] = []
        for try await row in try await client.query(
            #"SELECT DISTINCT exchange, symbol, "interval" FROM candles WHERE open_time < \#(cutoff) ORDER BY 1, 2, 3"#, logger: logger
        ).decode((String, String, String).self) {
            series.append(row)
        }
        for (exchange, symbol, interval) in series {
            while true {
                let moved = try await client.query(
                    """
                    WITH batch AS (
                        SELECT exchange, symbol, "interval", open_time FROM candles
                        WHERE exchange = \(exchange) AND symbol = \(symbol) AND "interval" = \(interval) AND open_time < \(cutoff)
                        ORDER BY open_time LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                    ), moved AS (
                        DELETE FROM candles c USING batch b
                        WHERE c.exchange = b.exchange AND c.symbol = b.symbol AND c."interval" = b."interval" AND c.open_time = b.open_time
                        RETURNING c.exchange, c.symbol, c."interval", c.open_time, c.close_time, c.open, c.high, c.low, c.close, c.volume, c.source, c.ingested_at
                    ), archived AS (
                        INSERT INTO candles_archive (exchange, symbol, "interval", open_time, close_time, open, high, low, close, volume, source, ingested_at)
                        SELECT * FROM moved
                        ON CONFLICT (exchange, symbol, "interval", open_time) DO UPDATE SET
                            close_time = EXCLUDED.close_time, open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low,
                            close = EXCLUDED.close, volume = EXCLUDED.volume, source = EXCLUDED.source, ingested_at = EXCLUDED.ingested_at
                        RETURNING 1
                    )
                    SELECT count(*) FROM archived
                    """,
                    logger: logger
                ).collect()[0].decode(Int64.self)
                summary.transactions += 1
                movedCandles += moved
                progress.update(Int(movedCandles + movedTrades))
                if moved < batchSize { break }
            }
        }
        while true {
            let moved = try await client.query(
                """
                WITH batch AS (
                    SELECT id FROM trades WHERE exit_time < \(cutoff) ORDER BY id LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                ), moved AS (
                    DELETE FROM trades t USING batch b WHERE t.id = b.id
                    RETURNING t.id, t.session_id, t.symbol, t.side, t.quantity, t.entry_time, t.entry_price, t.exit_time, t.exit_price,
                              t.pnl, t.fees, t.exit_reason, t.entry_order_id, t.exit_order_id
                ), archived AS (
                    INSERT INTO trades_archive (id, session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price,
                                                pnl, fees, exit_reason, entry_order_id, exit_order_id)
                    SELECT * FROM moved
                    ON CONFLICT (id) DO UPDATE SET
                        session_id = EXCLUDED.session_id, symbol = EXCLUDED.symbol, side = EXCLUDED.side, quantity = EXCLUDED.quantity,
                        entry_time = EXCLUDED.entry_time, entry_price = EXCLUDED.entry_price, exit_time = EXCLUDED.exit_time,
                        exit_price = EXCLUDED.exit_price, pnl = EXCLUDED.pnl, fees = EXCLUDED.fees, exit_reason = EXCLUDED.exit_reason,
                        entry_order_id = EXCLUDED.entry_order_id, exit_order_id = EXCLUDED.exit_order_id
                    RETURNING 1
                )
                SELECT count(*) FROM archived
                """,
                logger: logger
            ).collect()[0].decode(Int64.self)
            summary.transactions += 1
            movedTrades += moved
            progress.update(Int(movedCandles + movedTrades))
            if moved < batchSize { break }
        }
        progress.finish()
        summary.candles = movedCandles
        summary.trades = movedTrades
        return summary
    }
}

/// `90d`, `12h`, `30m`: a whole number and a unit (days, hours, minutes), more than zero.
struct ArchiveAge: Sendable, Equatable {
    var seconds: Int
    var text: String

    init(parsing text: String) throws(CLIError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [Character: (seconds: Int, limit: Int)] = ["d": (86_400, 36_500), "h": (3_600, 876_000), "m": (60, 52_560_000)]
        guard let unit = trimmed.last, let (scale, limit) = units[unit],
            let amount = Int(trimmed.dropLast()), trimmed.dropLast().allSatisfy(\.isNumber)
        else {
            throw CLIError("--older-than '\(text)' is not an age; give a whole number and a unit, e.g. 90d, 12h or 30m", exitCode: 2)
        }
        guard amount > 0, amount <= limit else {
            throw CLIError("--older-than '\(text)' is out of range; give more than 0 and at most 100 years, e.g. 90d", exitCode: 2)
        }
        seconds = amount * scale
        self.text = "\(amount)\(unit)"
    }
}
