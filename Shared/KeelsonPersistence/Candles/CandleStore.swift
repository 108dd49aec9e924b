import Foundation
import KeelsonDomain
import Logging
import PostgresNIO

/// Reads and writes closed candles, keyed by exchange + symbol + interval + open time.
public protocol CandleStore: Sendable {
    /// Inserts new candles and replaces corrected ones (same key, new values); an identical candle written
    /// again changes nothing. Returns how many rows were inserted or changed.
    @discardableResult
    func upsert(_ candles: [Candle]) async throws -> Int

    /// Up to `limit` candles with open time strictly before `before` (all, if nil), oldest first.
    func candles(exchange: String, symbol: Symbol, interval: CandleInterval, before: Date?, limit: Int) async throws -> [Candle]

    /// The open time of the newest candle strictly before `before`.
    func latestOpenTime(exchange: String, symbol: Symbol, interval: CandleInterval, before: Date) async throws -> Date?

    /// Holes in the stored series from `since` on: each is the open time of the first missing bar and of the
    /// next stored one.
    func gaps(exchange: String, symbol: Symbol, interval: CandleInterval, since: Date) async throws -> [(from: Date, to: Date)]

    /// Up to `limit` candles with open time strictly after `after`, oldest first: how a receiver catches up.
    func candles(exchange: String, symbol: Symbol, interval: CandleInterval, after: Date, limit: Int) async throws -> [Candle]
}

public struct PostgresCandleStore: CandleStore {
    let client: PostgresClient
    let logger: Logger
    /// 10 columns a row; PostgreSQL allows 65,535 bind parameters in one statement.
    static let rowsPerStatement = 5_000

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    @discardableResult
    public func upsert(_ candles: [Candle]) async throws -> Int {
        guard !candles.isEmpty else { return 0 }
        if candles.count >= PostgresCandleStoreLimits.copyThreshold { return try await copyUpsert(candles) }
        var changed = 0
        for start in stride(from: 0, to: candles.count, by: Self.rowsPerStatement) {
            let chunk = candles[start..<min(start + Self.rowsPerStatement, candles.count)]
            var bindings = PostgresBindings(capacity: chunk.count * 10)
            var placeholders: [String] = []
            placeholders.reserveCapacity(chunk.count)
            for (row, candle) in chunk.enumerated() {
                let base = row * 10
                placeholders.append("(" + (1...10).map { "$\(base + $0)" }.joined(separator: ",") + ")")
                bindings.append(candle.exchange)
                bindings.append(candle.symbol.rawValue)
                bindings.append(candle.interval.rawValue)
                bindings.append(candle.openTime)
                bindings.append(candle.closeTime)
                try bindings.append(candle.open)
                try bindings.append(candle.high)
                try bindings.append(candle.low)
                try bindings.append(candle.close)
                try bindings.append(candle.volume)
            }
            let sql = Self.merge(
                from:
                    "(VALUES \(placeholders.joined(separator: ","))) AS incoming (exchange, symbol, \"interval\", open_time, close_time, open, high, low, close, volume)"
            )
            changed += try await client.read(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) { try await count($0) }
        }
        return changed
    }

    /// COPY is PostgreSQL's fastest way in. A backfill into an empty stretch of the series (the usual case) is
    /// copied straight into `candles`; anything else goes through a temporary table and a merge that keeps writes
    /// idempotent and corrections applied. A writer that fills the stretch between the check and the COPY makes
    /// the COPY fail on the primary key, and the batch is merged instead.
    private func copyUpsert(_ candles: [Candle]) async throws -> Int {
        if Self.isOneIncreasingSeries(candles) {
            do {
                if let inserted = try await copyIntoEmptyStretch(candles) { return inserted }
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                logger.debug("candles appeared while copying; merging instead", metadata: ["symbol": "\(candles[0].symbol)"])
            }
        }
        return try await copyAndMerge(candles)
    }

    /// nil when the stretch already holds candles.
    private func copyIntoEmptyStretch(_ candles: [Candle]) async throws -> Int? {
        guard let first = candles.first, let last = candles.last else { return 0 }
        return try await client.transaction(logger: logger) { connection in
            let occupied = try await connection.query(
                """
                SELECT EXISTS (SELECT 1 FROM candles WHERE exchange = \(first.exchange) AND symbol = \(first.symbol.rawValue)
                               AND "interval" = \(first.interval.rawValue) AND open_time BETWEEN \(first.openTime) AND \(last.openTime))
                """,
                logger: logger
            )
            for try await (exists) in occupied.decode(Bool.self) where exists { return nil }
            try await connection.copyFrom(
                table: "candles",
                columns: ["exchange", "symbol", "interval", "open_time", "close_time", "open", "high", "low", "close", "volume", "source"],
                logger: logger
            ) { writer in
                try await Self.write(candles, to: writer) { candle in
                    "\(Self.escaped(candle.exchange))\t\(candle.symbol.rawValue)\t\(candle.interval.rawValue)\t"
                        + "\(CopyText.utcTimestamp(epochMilliseconds: candle.openTime.epochMilliseconds))\t"
                        + "\(CopyText.utcTimestamp(epochMilliseconds: candle.closeTime.epochMilliseconds))\t"
                        + Self.prices(candle) + "\tstore\n"
                }
            }
            return candles.count
        }
    }

    private func copyAndMerge(_ candles: [Candle]) async throws -> Int {
        try await client.transaction(logger: logger) { connection in
            try await connection.query(
                """
                CREATE TEMP TABLE candles_incoming (
                    exchange text, symbol text, "interval" text, open_ms bigint, close_ms bigint,
                    open numeric, high numeric, low numeric, close numeric, volume numeric
                ) ON COMMIT DROP
                """,
                logger: logger
            )
            try await connection.copyFrom(table: "candles_incoming", logger: logger) { writer in
                try await Self.write(candles, to: writer, line: Self.copyLine)
            }
            // A batch can only be merged when each key appears once; the sort that guarantees it is skipped when
            // the batch is already one strictly increasing series (what providers send).
            let distinct = Self.isOneIncreasingSeries(candles) ? "" : #"DISTINCT ON (exchange, symbol, "interval", open_ms)"#
            let order = distinct.isEmpty ? "" : #"ORDER BY exchange, symbol, "interval", open_ms"#
            let source = """
                (SELECT \(distinct) exchange, symbol, "interval",
                        to_timestamp(open_ms::double precision / 1000) AS open_time, to_timestamp(close_ms::double precision / 1000) AS close_time,
                        open, high, low, close, volume
                 FROM candles_incoming \(order)) AS incoming
                """
            return try await count(connection.query(PostgresQuery(unsafeSQL: Self.merge(from: source)), logger: logger))
        }
    }

    static func isOneIncreasingSeries(_ candles: [Candle]) -> Bool {
        guard let first = candles.first else { return true }
        var previous = first.openTime
        for candle in candles.dropFirst() {
            guard candle.exchange == first.exchange, candle.symbol == first.symbol, candle.interval == first.interval, candle.openTime > previous
            else { return false }
            previous = candle.openTime
        }
        return true
    }

    /// Streams COPY lines in 1 MiB buffers.
    static func write(_ candles: [Candle], to writer: PostgresCopyFromWriter, line: (Candle) -> String) async throws {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(1 << 20)
        for candle in candles {
            buffer.writeString(line(candle))
            if buffer.readableBytes > (1 << 20) - 512 {
                try await writer.write(buffer)
                buffer.clear()
            }
        }
        if buffer.readableBytes > 0 { try await writer.write(buffer) }
    }

    /// One COPY text line for the temporary table (times as epoch milliseconds).
    static func copyLine(_ candle: Candle) -> String {
        "\(escaped(candle.exchange))\t\(candle.symbol.rawValue)\t\(candle.interval.rawValue)\t\(candle.openTime.epochMilliseconds)\t"
            + "\(candle.closeTime.epochMilliseconds)\t" + prices(candle) + "\n"
    }

    static func prices(_ candle: Candle) -> String {
        "\(CopyText.decimal(candle.open))\t\(CopyText.decimal(candle.high))\t\(CopyText.decimal(candle.low))\t\(CopyText.decimal(candle.close))\t\(CopyText.decimal(candle.volume))"
    }

    /// Symbols and intervals are validated names; the exchange is escaped in case.
    static func escaped(_ text: String) -> String {
        guard text.contains(where: { $0 == "\\" || $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return text }
        return text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
    }

    /// Inserts new rows and replaces changed ones; identical rows are left alone and not counted.
    static func merge(from source: String) -> String {
        """
        WITH changed AS (
            INSERT INTO candles (exchange, symbol, "interval", open_time, close_time, open, high, low, close, volume, source)
            SELECT exchange, symbol, "interval", open_time, close_time, open, high, low, close, volume, 'store' FROM \(source)
            ON CONFLICT (exchange, symbol, "interval", open_time) DO UPDATE
            SET close_time = EXCLUDED.close_time, open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low,
                close = EXCLUDED.close, volume = EXCLUDED.volume, ingested_at = now()
            WHERE (candles.open, candles.high, candles.low, candles.close, candles.volume)
               IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume)
            RETURNING 1
        )
        SELECT count(*)::bigint FROM changed
        """
    }

    private func count(_ rows: PostgresRowSequence) async throws -> Int {
        var total = 0
        for try await value in rows.decode(Int64.self) { total += Int(value) }
        return total
    }

    public func candles(exchange: String, symbol: Symbol, interval: CandleInterval, before: Date?, limit: Int) async throws -> [Candle] {
        let cutoff = before ?? Date.distantFuture
        return try await client.read(
            """
            SELECT open_time, open, high, low, close, volume FROM (
                SELECT open_time, open, high, low, close, volume FROM candles
                WHERE exchange = \(exchange) AND symbol = \(symbol.rawValue) AND "interval" = \(interval.rawValue) AND open_time < \(cutoff)
                ORDER BY open_time DESC LIMIT \(limit)
            ) AS recent ORDER BY open_time
            """,
            logger: logger
        ) { try await Self.decode($0, exchange: exchange, symbol: symbol, interval: interval) }
    }

    public func gaps(exchange: String, symbol: Symbol, interval: CandleInterval, since: Date) async throws -> [(from: Date, to: Date)] {
        let seconds = Double(interval.seconds)
        return try await client.read(
            """
            SELECT open_time + make_interval(secs => \(seconds)), next_open FROM (
                SELECT open_time, lead(open_time) OVER (ORDER BY open_time) AS next_open FROM candles
                WHERE exchange = \(exchange) AND symbol = \(symbol.rawValue) AND "interval" = \(interval.rawValue) AND open_time >= \(since)
            ) AS series
            WHERE next_open > open_time + make_interval(secs => \(seconds))
            ORDER BY open_time
            """,
            logger: logger
        ) { rows in
            var gaps: [(from: Date, to: Date)] = []
            for try await (from, to) in rows.decode((Date, Date).self) { gaps.append((from, to)) }
            return gaps
        }
    }

    public func candles(exchange: String, symbol: Symbol, interval: CandleInterval, after: Date, limit: Int) async throws -> [Candle] {
        try await client.read(
            """
            SELECT open_time, open, high, low, close, volume FROM candles
            WHERE exchange = \(exchange) AND symbol = \(symbol.rawValue) AND "interval" = \(interval.rawValue) AND open_time > \(after)
            ORDER BY open_time LIMIT \(limit)
            """,
            logger: logger
        ) { try await Self.decode($0, exchange: exchange, symbol: symbol, interval: interval) }
    }

    static func decode(_ rows: PostgresRowSequence, exchange: String, symbol: Symbol, interval: CandleInterval) async throws -> [Candle] {
        var candles: [Candle] = []
        for try await (openTime, open, high, low, close, volume) in rows.decode((Date, Decimal, Decimal, Decimal, Decimal, Decimal).self) {
            candles.append(
                Candle(
                    exchange: exchange, symbol: symbol, interval: interval, openTime: openTime, open: open, high: high, low: low, close: close,
                    volume: volume))
        }
        return candles
    }

    public func latestOpenTime(exchange: String, symbol: Symbol, interval: CandleInterval, before: Date) async throws -> Date? {
        try await client.read(
            """
            SELECT max(open_time) FROM candles
            WHERE exchange = \(exchange) AND symbol = \(symbol.rawValue) AND "interval" = \(interval.rawValue) AND open_time < \(before)
            """,
            logger: logger
        ) { try await $0.collect().first?.decode(Date?.self) ?? nil }
    }
}

public enum PostgresCandleStoreLimits {
    /// Batches of at least this size go through COPY into a temporary table and one merging INSERT; smaller
    /// ones through one multi-row INSERT (cheaper for the one-candle-at-a-time live path).
    public static let copyThreshold = 2_000
}
