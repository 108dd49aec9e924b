import AsyncHTTPClient
import Crypto
import Foundation
import KeelsonNotifications
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("Notifications: a transactional outbox, delivered at least once, signed, retried, dead-lettered and digested")
struct NotificationOutboxTests {
    static let secret = "keelson-webhook-secret-0001"
    struct RolledBack: Error {}

    static func insertSession(_ postgres: PostgresClient) async throws -> Int64 {
        try await postgres.query(
            "INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'active', 10000, 10000) RETURNING id"
        ).collect()[0].decode(Int64.self)
    }

    static func riskEvent(_ kind: String, _ reason: String, session: Int64, on postgres: PostgresClient) async throws {
        try await postgres.query("INSERT INTO risk_events (session_id, kind, reason) VALUES (\(session), \(kind), \(reason))")
    }

    static func outbox(_ postgres: PostgresClient) async throws -> [(event: String, summary: String)] {
        try await postgres.query("SELECT event, summary FROM notification_outbox ORDER BY id").collect().map { try $0.decode((String, String).self) }
    }

    static func deliveries(_ postgres: PostgresClient, channel: String) async throws -> [(status: String, attempts: Int)] {
        try await postgres.query("SELECT status, attempts FROM notification_deliveries WHERE channel = \(channel) ORDER BY outbox_id").collect()
            .map { try $0.decode((String, Int).self) }
    }

    @Test("a fill, a closed trade and a halt each write one event in their own transaction; a signal rejection and a rollback write none")
    func eventsWrittenWithWhatTheyReport() async throws {
        try await TestDatabase.withMigratedDatabase { _, postgres in
            let session = try await Self.insertSession(postgres)
            let order = try await postgres.query(
                """
                INSERT INTO orders (session_id, client_order_id, symbol, side, type, quantity, status, cause)
                VALUES (\(session), 'k-sig-1', 'BTCUSDT', 'buy', 'market', 1, 'filled', 'signal') RETURNING id
                """
            ).collect()[0].decode(Int64.self)
            try await postgres.query(
                """
                INSERT INTO fills (order_id, session_id, exchange_fill_id, symbol, side, quantity, price, fee, fee_asset, filled_at)
                VALUES (\(order), \(session), 'paper-1', 'BTCUSDT', 'buy', 1, 61500.5, 61.5, 'USDT', now())
                """)
            try await postgres.query(
                """
                INSERT INTO trades (session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, fees, exit_reason)
                VALUES (\(session), 'BTCUSDT', 'long', 1, now(), 61500.5, now(), 62000, 376, 123.5, 'take_profit')
                """)
            try await Self.riskEvent("max_drawdown", "drawdown 15 % from the peak reached", session: session, on: postgres)
            try await Self.riskEvent("signal_rejected", "cooldown", session: session, on: postgres)
            await #expect(throws: RolledBack.self) {
                try await postgres.transaction(logger: TestDatabase.logger) { connection in
                    try await connection.query(
                        "INSERT INTO risk_events (session_id, kind, reason) VALUES (\(session), 'operator_halt', 'never happened')",
                        logger: TestDatabase.logger)
                    throw RolledBack()
                }
            }
            let events = try await Self.outbox(postgres)
            #expect(events.map(\.event) == ["fill", "trade_closed", "max_drawdown"])
            #expect(events.first?.summary == "fill: buy 1 BTCUSDT at 61500.5 (order k-sig-1)")
            #expect(events.dropFirst().first?.summary == "trade closed: 1 BTCUSDT 61500.5 → 62000, PnL 376 (take_profit)")
            #expect(events.last?.summary == "max_drawdown: drawdown 15 % from the peak reached")
        }
    }

    @Test("the documented webhook signature: HMAC-SHA256 of timestamp.body, hex, v1= (docs/NOTIFICATIONS.md)")
    func signatureVector() {
        // Computed independently: python3 -c "import hmac,hashlib; print(hmac.new(b'keelson-webhook-secret-0001',
        // b'1700000000.{\"event\":\"test\"}', hashlib.sha256).hexdigest())"
        #expect(
            WebhookChannel.signature(secret: Self.secret, timestamp: "1700000000", body: Data(#"{"event":"test"}"#.utf8))
                == "v1=2e03e17a87d122a5080d42f892557654f9a51e7935606d191151482282cab0f6")
    }

    @Test("each event reaches a signed webhook; a 500 is retried after a back-off; a channel that keeps failing is given up; a flood is one digest")
    func delivery() async throws {
        try await TestDatabase.withMigratedDatabase { _, postgres in
            let session = try await Self.insertSession(postgres)
            try await Self.riskEvent("max_drawdown", "drawdown reached", session: session, on: postgres)
            try await Self.riskEvent("operator_halt", "kill switch: deploy", session: session, on: postgres)
            let good = WebhookReceiver(failFirst: 1), bad = WebhookReceiver(failFirst: 1_000)
            try await good.withRunning { goodURL in
                try await bad.withRunning { badURL in
                    let settings = NotificationSettings(
                        channels: [
                            WebhookChannel(url: goodURL + "/hook", secret: Self.secret, events: nil, client: .shared),
                            SlackChannel(url: badURL + "/services/T0/B0/secret", events: ["max_drawdown"], client: .shared),
                        ], interval: .milliseconds(50), maxAttempts: 3, digestThreshold: 5, retryBase: .milliseconds(100))
                    let dispatcher = NotificationDispatcher(
                        outbox: PostgresNotificationOutbox(client: postgres, logger: TestDatabase.logger), settings: settings,
                        logger: TestDatabase.logger)
                    for _ in 0..<60 {
                        try await dispatcher.deliverOnce()
                        let webhook = try await Self.deliveries(postgres, channel: "webhook"),
                            slack = try await Self.deliveries(postgres, channel: "slack")
                        if webhook.allSatisfy({ $0.status == "delivered" }) && slack.contains(where: { $0.status == "dead" }) { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    let webhook = try await Self.deliveries(postgres, channel: "webhook")
                    #expect(webhook.map(\.status) == ["delivered", "delivered"])
                    #expect(webhook.map(\.attempts) == [2, 1], "the first answered 500 and went again after the back-off")
                    let received = await good.received
                    #expect(received.map(\.idempotencyKey) == ["risk_event-1", "risk_event-2", "risk_event-1"])
                    for request in received {
                        let signed = Data("\(request.timestamp ?? "").".utf8) + request.body
                        let expected = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(Self.secret.utf8)))
                        #expect(request.signature == "v1=" + expected.map { String(format: "%02x", $0) }.joined())
                        #expect(abs((Double(request.timestamp ?? "") ?? 0) - Date.now.timeIntervalSince1970) < 60)
                    }
                    // Slack only takes the drawdown (its filter) and gives up after three attempts; the halt is filtered.
                    #expect(try await Self.deliveries(postgres, channel: "slack").map(\.status) == ["dead", "filtered"])
                    #expect(await bad.received.count == 3)
                    let failed = try await PostgresNotificationOutbox(client: postgres, logger: TestDatabase.logger).deliveries(
                        failedOnly: true, limit: 10)
                    #expect(failed.map(\.channel) == ["slack"])
                    #expect(failed.first?.lastError?.hasPrefix("127.0.0.1 answered 500") == true)
                    #expect(failed.first?.lastError?.contains("secret") == false, "a Slack URL is a credential and never shown")

                    // A flood: eight events due at once go out as one digest naming them.
                    for index in 0..<8 { try await Self.riskEvent("reconciliation", "finding \(index)", session: session, on: postgres) }
                    try await dispatcher.deliverOnce()
                    let digest = try #require(await good.received.last)
                    #expect(await good.received.count == 4)
                    #expect(digest.idempotencyKey == "digest-risk_event-3-risk_event-10")
                    let body = try #require(try JSONSerialization.jsonObject(with: digest.body) as? [String: Any])
                    #expect(body["event"] as? String == "digest")
                    #expect((body["events"] as? [Any])?.count == 8)
                    #expect((body["text"] as? String)?.hasPrefix("8 events (8 reconciliation):") == true)
                }
            }
        }
    }

    @Test("an event whose transaction commits after a later event's is still delivered, once")
    func lateCommit() async throws {
        try await TestDatabase.withMigratedDatabase { _, postgres in
            let session = try await Self.insertSession(postgres)
            let receiver = WebhookReceiver()
            try await receiver.withRunning { base in
                let dispatcher = NotificationDispatcher(
                    outbox: PostgresNotificationOutbox(client: postgres, logger: TestDatabase.logger),
                    settings: NotificationSettings(
                        channels: [WebhookChannel(url: base + "/hook", secret: Self.secret, events: nil, client: .shared)],
                        interval: .milliseconds(50)),
                    logger: TestDatabase.logger)
                try await postgres.withConnection { slow in
                    // Takes outbox id 1, and commits only after id 2 has been delivered.
                    try await slow.query("BEGIN", logger: TestDatabase.logger)
                    try await slow.query(
                        "INSERT INTO risk_events (session_id, kind, reason) VALUES (\(session), 'operator_halt', 'slow')", logger: TestDatabase.logger
                    )
                    try await Self.riskEvent("maintenance_on", "fast", session: session, on: postgres)
                    try await dispatcher.deliverOnce()
                    #expect(await receiver.received.map(\.idempotencyKey) == ["risk_event-2"])
                    try await slow.query("COMMIT", logger: TestDatabase.logger)
                }
                try await dispatcher.deliverOnce()
                try await dispatcher.deliverOnce()
                #expect(await receiver.received.map(\.idempotencyKey) == ["risk_event-2", "risk_event-1"])
            }
        }
    }

    @Test("the gateway killed after the webhook has the message but before marking it: sent again with the same key, marked delivered once")
    func crashBetweenSendAndMark() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            let session = try await Self.insertSession(postgres)
            try await Self.riskEvent("operator_close_all", "close-all: exchange incident", session: session, on: postgres)
            let receiver = WebhookReceiver(holdFirst: true)
            try await receiver.withRunning { base in
                let environment = [
                    "KEELSON_NOTIFY_WEBHOOK_URL": base + "/hook", "KEELSON_NOTIFY_WEBHOOK_SECRET": Self.secret, "KEELSON_NOTIFY_INTERVAL_MS": "100",
                ]
                let first = try await ServiceProcess.start(.gateway, database: url, environment: environment)
                for _ in 0..<600 where await receiver.received.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
                #expect(await receiver.received.count == 1)
                first.child.signal(SIGKILL)
                try await first.child.wait(timeout: .seconds(10))
                await receiver.release()
                #expect(try await Self.deliveries(postgres, channel: "webhook").map(\.status) == ["pending"], "killed before the mark")

                let second = try await ServiceProcess.start(.gateway, database: url, environment: environment)
                for _ in 0..<600 where try await Self.deliveries(postgres, channel: "webhook").first?.status != "delivered" {
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await second.stop()
                let deliveries = try await Self.deliveries(postgres, channel: "webhook")
                #expect(deliveries.map(\.status) == ["delivered"])
                #expect(deliveries.map(\.attempts) == [1])
                let keys = await receiver.received.map(\.idempotencyKey)
                #expect(keys == ["risk_event-1", "risk_event-1"], "at least once: the receiver deduplicates on the key")
            }
        }
    }
}
