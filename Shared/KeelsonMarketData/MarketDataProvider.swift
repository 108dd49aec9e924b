import Foundation
import KeelsonDomain

/// A source of closed candles: replayed files, the synthetic generator, or an exchange. Exchanges fit the same
/// shape: backfill by time range (paging inside), a live stream of closed candles, and a health report.
public protocol MarketDataProvider: Sendable {
    var name: String { get }

    /// True for markets that trade around the clock, where a missing bar is a gap to fill; false for files
    /// whose holes (weekends, holidays) are simply how the market traded.
    var isContinuous: Bool { get }

    /// Closed candles with open time in `[from, to)`, oldest first.
    func candles(symbol: Symbol, interval: CandleInterval, from: Date, to: Date) async throws -> [Candle]

    /// Closed candles as they close, oldest first, starting after `after` (or at the provider's start).
    func liveCandles(symbol: Symbol, interval: CandleInterval, after: Date?) -> AsyncThrowingStream<Candle, any Error>
}

public enum MarketDataError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownSymbol(provider: String, symbol: String, available: [String])
    case unsupportedInterval(provider: String, interval: String, supported: [String])
    case invalidRange(String)

    public var description: String {
        switch self {
        case .unknownSymbol(let provider, let symbol, let available):
            "\(provider) has no data for \(symbol); available: \(available.joined(separator: ", "))"
        case .unsupportedInterval(let provider, let interval, let supported):
            "\(provider) does not serve \(interval) candles; it serves \(supported.joined(separator: ", "))"
        case .invalidRange(let detail):
            detail
        }
    }
}
