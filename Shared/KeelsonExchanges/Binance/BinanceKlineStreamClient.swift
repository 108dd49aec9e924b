import Foundation
import HummingbirdWSClient
import Logging
import NIOCore

/// Connects to Binance's kline streams (one connection, one or more streams) and yields the decoded events.
/// Pings are answered by the WebSocket layer. The stream ends when the exchange closes the connection — it
/// does so after 24 hours — or throws when the connection fails: the caller reconnects and backfills the gap
/// over REST. Reconnection is deliberately left to the caller, which knows what it has already stored.
public struct BinanceKlineStreamClient: Sendable {
    public static let productionURL = "wss://stream.binance.com:9443"

    /// `wss://stream.binance.com:9443`, or a fake exchange's `ws://127.0.0.1:PORT`.
    public let baseURL: String
    let logger: Logger

    public init(baseURL: String, logger: Logger = Logger(label: "keelson.exchange.binance.stream")) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.logger = logger
    }

    /// Kline events of `streams` (names from `BinanceKlineEvent.streamName`), oldest first, until the
    /// connection ends. Messages that are not kline events are skipped. Cancelling the consumer closes it.
    public func events(streams: [String]) -> AsyncThrowingStream<BinanceKlineEvent, any Error> {
        let url = streams.count == 1 ? "\(baseURL)/ws/\(streams[0])" : "\(baseURL)/stream?streams=\(streams.joined(separator: "/"))"
        let logger = self.logger
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let closeFrame = try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 20), logger: logger) {
                        inbound, _, _ in
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message else { continue }
                            do {
                                continuation.yield(try JSONDecoder().decode(BinanceKlineEvent.self, from: Data(text.utf8)))
                            } catch {
                                logger.debug("skipping a stream message that is not a kline event", metadata: ["message": "\(text.prefix(120))"])
                            }
                        }
                    }
                    logger.info(
                        "kline stream closed by the exchange",
                        metadata: ["url": "\(url)", "code": "\(closeFrame.map { String(describing: $0.closeCode) } ?? "none")"])
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
