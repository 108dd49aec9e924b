import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A place notifications go. `events` limits which events it receives (nil: all).
public protocol NotificationChannel: Sendable {
    var name: String { get }
    var events: [String]? { get }
    func send(_ message: NotificationMessage) async throws(NotificationError)
}

/// The HTTP POST the channels make: JSON in, any 2xx is acceptance, anything else an error naming the status.
struct JSONPoster: Sendable {
    let client: HTTPClient
    let timeout: TimeAmount

    func post(_ url: String, body: Data, headers: [(String, String)] = [], redacting secret: String? = nil) async throws(NotificationError) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        // The URL of a Slack or Telegram channel is itself the secret: errors name the host only.
        let host = URL(string: url)?.host ?? "the channel"
        do {
            let response = try await client.execute(request, timeout: timeout)
            let text = String(buffer: try await response.body.collect(upTo: 64 * 1024))
            guard (200..<300).contains(response.status.code) else {
                let detail = text.prefix(200).replacingOccurrences(of: "\n", with: " ")
                throw NotificationError("\(host) answered \(response.status.code)\(detail.isEmpty ? "" : ": \(detail)")")
            }
        } catch let error as NotificationError {
            throw error
        } catch {
            var detail = "\(error)"
            if let secret, !secret.isEmpty { detail = detail.replacingOccurrences(of: secret, with: "…") }
            throw NotificationError("cannot reach \(host): \(detail)")
        }
    }
}
