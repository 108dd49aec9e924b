import AsyncHTTPClient
import Foundation

/// A Telegram chat through the Bot API's `sendMessage`.
public struct TelegramChannel: NotificationChannel {
    public let name = "telegram"
    let apiURL: String
    let token: String
    let chatID: String
    public let events: [String]?
    let poster: JSONPoster

    public init(apiURL: String = "https://api.telegram.org", token: String, chatID: String, events: [String]?, client: HTTPClient) {
        self.apiURL = apiURL
        self.token = token
        self.chatID = chatID
        self.events = events
        self.poster = JSONPoster(client: client, timeout: .seconds(10))
    }

    public func send(_ message: NotificationMessage) async throws(NotificationError) {
        let body =
            (try? JSONSerialization.data(withJSONObject: [
                "chat_id": chatID, "text": "Keelson · \(message.text)", "disable_web_page_preview": true,
            ])) ?? Data()
        try await poster.post("\(apiURL)/bot\(token)/sendMessage", body: body, redacting: token)
    }
}
