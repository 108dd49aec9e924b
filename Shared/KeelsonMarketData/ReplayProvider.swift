import Foundation
import KeelsonDomain

/// Replays OHLCV files, one per symbol, emitting each candle when it closes: as fast as possible, or at a
/// speed-up of real time (60× plays a 1-minute bar every second). After a restart it resumes after the last
/// candle already stored, so nothing is replayed twice.
public struct ReplayProvider: MarketDataProvider {
    public enum Speed: Sendable, Equatable, CustomStringConvertible {
        case asFastAsPossible
        case multiple(Double)

        /// `max`, or a factor such as `60x` or `60`.
        public init(parsing text: String) throws(DomainError) {
            let lowered = text.lowercased()
            if lowered == "max" || lowered == "fast" {
                self = .asFastAsPossible
                return
            }
            let number = lowered.hasSuffix("x") ? String(lowered.dropLast()) : lowered
            guard let factor = Double(number), factor > 0, factor.isFinite else {
                throw DomainError.invalid(field: "replay speed", value: text, expected: "max, or a positive factor such as 60x")
            }
            self = .multiple(factor)
        }

        public var description: String {
            switch self {
            case .asFastAsPossible: "max"
            case .multiple(let factor): "\(factor)x"
            }
        }
    }

    public let name = "replay"
    public let isContinuous = false
    public let exchange: String
    let series: [Symbol: [Candle]]
    let speed: Speed

    /// - Parameter files: the candles of each symbol, already read (see `CandleCSV`).
    public init(series: [Symbol: [Candle]], speed: Speed, exchange: String = "replay") {
        self.series = series
        self.speed = speed
        self.exchange = exchange
    }

    /// Reads one file per symbol.
    public static func load(files: [Symbol: String], interval: CandleInterval, speed: Speed, exchange: String = "replay") throws(CandleCSV.ParseError)
        -> ReplayProvider
    {
        var series: [Symbol: [Candle]] = [:]
        for (symbol, path) in files {
            series[symbol] = CandleCSV.candles(try CandleCSV.load(path: path), exchange: exchange, symbol: symbol, interval: interval)
        }
        return ReplayProvider(series: series, speed: speed, exchange: exchange)
    }

    func candles(of symbol: Symbol, interval: CandleInterval) throws(MarketDataError) -> [Candle] {
        guard let candles = series[symbol] else {
            throw MarketDataError.unknownSymbol(provider: name, symbol: symbol.rawValue, available: series.keys.map(\.rawValue).sorted())
        }
        guard let first = candles.first, first.interval == interval else {
            throw MarketDataError.unsupportedInterval(
                provider: name, interval: interval.rawValue, supported: candles.first.map { [$0.interval.rawValue] } ?? [])
        }
        return candles
    }

    public func candles(symbol: Symbol, interval: CandleInterval, from: Date, to: Date) async throws -> [Candle] {
        try candles(of: symbol, interval: interval).filter { $0.openTime >= from && $0.openTime < to }
    }

    public func liveCandles(symbol: Symbol, interval: CandleInterval, after: Date?) -> AsyncThrowingStream<Candle, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let all = try candles(of: symbol, interval: interval)
                    let pending = after.map { cutoff in all.filter { $0.openTime > cutoff } } ?? all
                    for candle in pending {
                        if case .multiple(let factor) = speed {
                            try await Task.sleep(for: .milliseconds(Int64(Double(interval.seconds) * 1000 / factor)))
                        } else if Task.isCancelled {
                            break
                        }
                        continuation.yield(candle)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
