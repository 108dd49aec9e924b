import Foundation
import KeelsonDomain

/// The kline stream connections and what to send them. Each subscription remembers the last closed bar it
/// was sent, so `publish` sends every bar that closed since (`x: true`, oldest first) and then the bar forming
/// now (`x: false`) — however far the market clock jumped.
actor FakeKlineStreamHub {
    enum Command: Sendable {
        case text(String)
        /// Drop the connection without a close frame, like a network failure.
        case cut
        /// Close it the way Binance does after 24 hours.
        case endAfter24Hours
    }

    struct Subscription {
        var name: String
        var symbol: String
        var interval: String
        var length: Int64
        var series: FakePriceSeries
        /// Open time (UNIX seconds) of the last closed bar sent or already closed at subscription.
        var lastClosedOpen: Int64
    }

    struct Subscriber {
        var subscriptions: [Subscription]
        var combined: Bool
        var continuation: AsyncStream<Command>.Continuation
    }

    private let series: [String: FakePriceSeries]
    private var subscribers: [UUID: Subscriber] = [:]

    init(series: [String: FakePriceSeries]) {
        self.series = series
    }

    var connectionCount: Int { subscribers.count }

    /// Parses `btcusdt@kline_1m`; nil when the symbol or interval is unknown.
    func subscription(named name: String, now: Date) -> Subscription? {
        let parts = name.split(separator: "@", maxSplits: 1)
        guard parts.count == 2, parts[1].hasPrefix("kline_") else { return nil }
        let interval = String(parts[1].dropFirst("kline_".count))
        guard let length = FakeExchange.klineIntervals[interval], let series = series[parts[0].uppercased()] else { return nil }
        let currentOpen = FakePriceSeries.alignedOpen(now.epochMilliseconds / 1000, length: length)
        return Subscription(
            name: name, symbol: parts[0].uppercased(), interval: interval, length: length, series: series,
            lastClosedOpen: FakePriceSeries.alignedOpen(currentOpen - 1, length: length)
        )
    }

    func subscribe(_ subscriptions: [Subscription], combined: Bool) -> (UUID, AsyncStream<Command>) {
        let (stream, continuation) = AsyncStream<Command>.makeStream()
        let id = UUID()
        subscribers[id] = Subscriber(subscriptions: subscriptions, combined: combined, continuation: continuation)
        return (id, stream)
    }

    func unsubscribe(_ id: UUID) {
        subscribers.removeValue(forKey: id)?.continuation.finish()
    }

    func publish(now: Date) {
        let eventTime = now.epochMilliseconds
        let nowSeconds = eventTime / 1000
        for (id, subscriber) in subscribers {
            var subscriber = subscriber
            for index in subscriber.subscriptions.indices {
                var subscription = subscriber.subscriptions[index]
                let currentOpen = FakePriceSeries.alignedOpen(nowSeconds, length: subscription.length)
                var open = FakePriceSeries.alignedOpen(subscription.lastClosedOpen + subscription.length, length: subscription.length)
                while open < currentOpen {
                    if let bar = subscription.series.bar(openTime: open, length: subscription.length, now: now) {
                        send(bar, subscription, combined: subscriber.combined, eventTime: eventTime, to: subscriber.continuation)
                    }
                    subscription.lastClosedOpen = open
                    open = FakePriceSeries.alignedOpen(open + subscription.length, length: subscription.length)
                }
                if let forming = subscription.series.bar(openTime: currentOpen, length: subscription.length, now: now) {
                    send(forming, subscription, combined: subscriber.combined, eventTime: eventTime, to: subscriber.continuation)
                }
                subscriber.subscriptions[index] = subscription
            }
            subscribers[id] = subscriber
        }
    }

    private func send(
        _ bar: FakeBar, _ subscription: Subscription, combined: Bool, eventTime: Int64, to continuation: AsyncStream<Command>.Continuation
    ) {
        let payload = FakeBinanceJSON.klineEvent(bar, symbol: subscription.symbol, interval: subscription.interval, eventTime: eventTime)
        let message = combined ? FakeJSON.object([("stream", .string(subscription.name)), ("data", payload)]) : payload
        continuation.yield(.text(message.text))
    }

    /// Sends `command` to every connection (and forgets them: they are about to close).
    func broadcast(_ command: Command) {
        for subscriber in subscribers.values {
            subscriber.continuation.yield(command)
            subscriber.continuation.finish()
        }
        subscribers = [:]
    }
}
