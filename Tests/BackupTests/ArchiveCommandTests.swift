import Foundation
import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("keelson data archive")
struct ArchiveCommandTests {
    typealias F = BackupFixture

    /// Candles and trades at these ages (days before now), in two series.
    static let candleAges: [Double] = [400, 120, 91, 89, 10, 0.5]
    static let tradeAges: [Double] = [200, 95, 30, 1]

    static func seed(_ client: PostgresClient) async throws {
        for (symbol, exchange) in [("BTCUSDT", "replay"), ("ETHUSDT", "binance")] {
            for age in candleAges {
                try await client.query(
                    """
                    INSERT INTO candles (exchange, symbol, "interval", open_time, close_time, open, high, low, close, volume, source)
                    VALUES (\(exchange), \(symbol), '1m', date_trunc('minute', now()) - make_interval(secs => \(age * 86_400)),
                            date_trunc('minute', now()) - make_interval(secs => \(age * 86_400 - 60)), 100.5, 101.25, 99, 100.125, 12.5, 'test')
                    """,
                    logger: F.logger
                )
            }
        }
        let session = try await F.value(
            "INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'active', 10000, 10000) RETURNING id",
            as: Int64.self, on: client
        )
        for age in tradeAges {
            try await client.query(
                """
                INSERT INTO trades (session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, fees, exit_reason)
                VALUES (\(session), 'BTCUSDT', 'long', 25, now() - make_interval(secs => \(age * 86_400 + 3_600)), 100.19,
                        now() - make_interval(secs => \(age * 86_400)), 101.8, 35.20025, 5.04975, 'signal')
                """,
                logger: F.logger
            )
        }
    }

    static func rows(_ sql: String, _ client: PostgresClient) async throws -> [String] {
        var rows: [String] = []
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql), logger: F.logger).decode(String.self) { rows.append(row) }
        return rows
    }

    @Test("moves exactly the rows older than the cutoff, column for column, in batches; a second run moves nothing")
    func movesOldRows() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            try await Self.seed(client)
            let oldCandles = try await Self.rows(
                #"SELECT c::text FROM candles c WHERE open_time < now() - interval '90 days' ORDER BY exchange, symbol, open_time"#, client)
            let newCandles = try await Self.rows(
                #"SELECT c::text FROM candles c WHERE open_time >= now() - interval '90 days' ORDER BY exchange, symbol, open_time"#, client)
            let oldTrades = try await Self.rows("SELECT t::text FROM trades t WHERE exit_time < now() - interval '90 days' ORDER BY id", client)
            let newTrades = try await Self.rows("SELECT t::text FROM trades t WHERE exit_time >= now() - interval '90 days' ORDER BY id", client)
            #expect(oldCandles.count == 6 && newCandles.count == 6 && oldTrades.count == 2 && newTrades.count == 2)

            let dry = try await F.keelson(["data", "archive", "--older-than", "90d", "--dry-run"], database: url)
            #expect(dry.exitCode == 0, Comment(rawValue: dry.stderr))
            #expect(dry.stdout.hasPrefix("would archive 6 candles and 2 trades older than 90d (before "), Comment(rawValue: dry.stdout))
            #expect(try await F.value("SELECT count(*)::int FROM candles", as: Int.self, on: client) == 12)

            // Batches of 2: several transactions per series.
            let moved = try await F.keelson(["data", "archive", "--older-than", "90d", "--batch-size", "2"], database: url)
            #expect(moved.exitCode == 0, Comment(rawValue: moved.stderr))
            #expect(moved.stdout.hasPrefix("archived 6 candles and 2 trades older than 90d"), Comment(rawValue: moved.stdout))
            #expect(moved.stdout.contains("into candles_archive and trades_archive in 6 transactions"), Comment(rawValue: moved.stdout))

            // Row for row: same values, same column order, so `row::text` is identical.
            #expect(try await Self.rows(#"SELECT c::text FROM candles_archive c ORDER BY exchange, symbol, open_time"#, client) == oldCandles)
            #expect(try await Self.rows(#"SELECT c::text FROM candles c ORDER BY exchange, symbol, open_time"#, client) == newCandles)
            #expect(try await Self.rows("SELECT t::text FROM trades_archive t ORDER BY id", client) == oldTrades)
            #expect(try await Self.rows("SELECT t::text FROM trades t ORDER BY id", client) == newTrades)

            let again = try await F.keelson(["data", "archive", "--older-than", "90d", "--json"], database: url)
            #expect(again.exitCode == 0, Comment(rawValue: again.stderr))
            let summary = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
            #expect(summary?["candles"] as? Int == 0)
            #expect(summary?["trades"] as? Int == 0)
            #expect(try await F.value("SELECT count(*)::int FROM candles_archive", as: Int.self, on: client) == 6)

            // A shorter age moves the next slice; hours and minutes work too.
            let hours = try await F.keelson(["data", "archive", "--older-than", "240h"], database: url)
            #expect(hours.stdout.hasPrefix("archived 4 candles and 1 trade older than 240h"), Comment(rawValue: hours.stdout + hours.stderr))
            let minutes = try await F.keelson(["data", "archive", "--older-than", "30m"], database: url)
            #expect(minutes.stdout.hasPrefix("archived 2 candles and 1 trade older than 30m"), Comment(rawValue: minutes.stdout + minutes.stderr))
            #expect(try await F.value("SELECT count(*)::int FROM candles", as: Int.self, on: client) == 0)
        }
    }

    @Test("a candle stored again after it was archived is archived again over the old copy")
    func reArchive() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            try await Self.seed(client)
            _ = try await F.keelson(["data", "archive", "--older-than", "90d"], database: url)
            try await client.query(
                """
                INSERT INTO candles SELECT exchange, symbol, "interval", open_time, close_time, open, high, low, 123, volume, 'corrected', ingested_at
                FROM candles_archive WHERE symbol = 'BTCUSDT' ORDER BY open_time LIMIT 1
                """,
                logger: F.logger
            )
            let moved = try await F.keelson(["data", "archive", "--older-than", "90d"], database: url)
            #expect(moved.stdout.hasPrefix("archived 1 candle and 0 trades"), Comment(rawValue: moved.stdout + moved.stderr))
            #expect(try await F.value("SELECT count(*)::int FROM candles_archive", as: Int.self, on: client) == 6)
            #expect(
                try await F.value("SELECT count(*)::int FROM candles_archive WHERE source = 'corrected' AND close = 123", as: Int.self, on: client)
                    == 1)
        }
    }

    @Test("the archive tables have exactly the columns of the tables they archive")
    func sameColumns() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            for (table, archive) in [("candles", "candles_archive"), ("trades", "trades_archive")] {
                let columns =
                    "SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '%@' ORDER BY ordinal_position"
                let source = try await Self.rows(columns.replacingOccurrences(of: "%@", with: table), client)
                let copy = try await Self.rows(columns.replacingOccurrences(of: "%@", with: archive), client)
                #expect(!source.isEmpty)
                #expect(source == copy, "\(archive) must have the columns of \(table), in order")
            }
        }
    }

    @Test("before migration 5 the archive says to migrate")
    func needsMigration() async throws {
        try await TestDatabase.withFreshDatabase { url in
            _ = try await TestDatabase.withClient(url) { client in
                try await MigrationRunner(client: client, logger: F.logger).migrateUp(to: 4)
            }
            let result = try await F.keelson(["data", "archive", "--older-than", "90d"], database: url)
            #expect(result.exitCode == 1)
            #expect(
                result.stderr == "keelson: the archive tables do not exist yet (they come with schema version 5); run `keelson db migrate up` first\n"
            )
        }
    }
}
