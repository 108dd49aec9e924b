import Foundation
import Synchronization

/// The market's time: what the price series, klines, stream updates and market-order prices follow.
///
/// `.realTime` follows the wall clock (for `keelson dev fake-exchange`). `.manual(start:)` stands still until a
/// test moves it, so bars and stream messages are deterministic. The server's own clock — `/api/v3/time`,
/// the recvWindow check, `transactTime` — is always the wall clock, so a test can step the market by hours
/// without every signed request failing with -1021.
public final class FakeMarketClock: Sendable {
    public enum Mode: Sendable, Equatable {
        case realTime
        case manual(start: Date)
    }

    public let mode: Mode
    private let advanced = Mutex<TimeInterval>(0)
    /// The moment the clock was created, in market time: the series is generated back from here.
    public let start: Date

    public init(_ mode: Mode) {
        self.mode = mode
        switch mode {
        case .realTime: start = .now
        case .manual(let start): self.start = start
        }
    }

    public var now: Date {
        let offset = advanced.withLock { $0 }
        switch mode {
        case .realTime: return Date.now.addingTimeInterval(offset)
        case .manual(let start): return start.addingTimeInterval(offset)
        }
    }

    /// Moves the market forward (a real-time clock then runs ahead of the wall clock by the total advanced).
    func advance(by seconds: TimeInterval) {
        advanced.withLock { $0 += max(0, seconds) }
    }

    var isManual: Bool {
        if case .manual = mode { true } else { false }
    }
}
