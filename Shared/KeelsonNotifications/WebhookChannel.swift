import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore

/// A generic webhook: the message as JSON, signed so the receiver can tell it came from Keelson and is fresh.
///
/// Headers: `Idempotency-Key` (the same on a retry), `X-Keelson-Timestamp` (Unix seconds) and
/// `X-Keelson-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. A receiver recomputes the HMAC over
/// the raw body, compares in constant time and refuses timestamps more than five minutes old (docs/NOTIFICATIONS.md).
public struct WebhookChannel: NotificationChannel {
    public let name = "webhook"
    public let url: String
    let secret: String
    public let events: [String]?
    let poster: JSONPoster
    let now: @Sendable () -> Date

    public init(url: String, secret: String, events: [String]?, client: HTTPClient, now: @escaping @Sendable () -> Date = Date.init) {
        self.url = url
        self.secret = secret
        self.events = events
        self.poster = JSONPoster(client: client, timeout: .seconds(10))
        self.now = now
    }

    public func send(_ message: NotificationMessage) async throws(NotificationError) {
        let body = Self.body(message)
        let timestamp = String(Int64(now().timeIntervalSince1970))
        try await poster.post(
            url, body: body,
            headers: [
                ("Idempotency-Key", message.idempotencyKey), ("X-Keelson-Timestamp", timestamp),
                ("X-Keelson-Signature", Self.signature(secret: secret, timestamp: timestamp, body: body)),
            ])
    }

    /// `v1=` and the hex HMAC-SHA256 of `timestamp.body` under `secret`.
    public static func signature(secret: String, timestamp: String, body: Data) -> String {
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return "v1=" + code.map { String(format: "%02x", $0) }.joined()
    }

    static func body(_ message: NotificationMessage) -> Data {
        let events: [[String: Any]] = message.events.map { event in
            [
                "id": event.id, "event": event.event, "occurred_at": event.occurredAt.formatted(.iso8601), "summary": event.summary,
                "idempotency_key": event.idempotencyKey,
                "payload": (try? JSONSerialization.jsonObject(with: Data(event.payload.utf8))) ?? [:],
            ]
        }
        let object: [String: Any] = [
            "idempotency_key": message.idempotencyKey, "event": message.event, "occurred_at": message.occurredAt.formatted(.iso8601),
            "text": message.text, "events": events,
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}
