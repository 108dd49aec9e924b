import AsyncHTTPClient
import Foundation

/// A Slack incoming webhook: the message's text, as Slack's `{"text": …}` payload.
public struct SlackChannel: NotificationChannel {
    public let name = "slack"
    let url: String
    public let events: [String]?
    let poster: JSONPoster

    public init(url: String, events: [String]?, client: HTTPClient) {
        self.url = url
        self.events = events
        self.poster = JSONPoster(client: client, timeout: .seconds(10))
    }

    public func send(_ message: NotificationMessage) async throws(NotificationError) {
        let body = (try? JSONSerialization.data(withJSONObject: ["text": "Keelson · \(message.text)"])) ?? Data()
        try await poster.post(url, body: body, redacting: url)
    }
}
