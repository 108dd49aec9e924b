import Foundation
import KeelsonIndicators

/// Computes a model's features bar by bar from the streaming indicators, so training (over a file or the candle
/// store), backtests and the signal service all see the same numbers. Each value uses only the bar given and the
/// bars before it: nothing can look ahead.
public struct FeatureComputer: Sendable {
    public let names: [FeatureName]
    private var columns: [any FeatureColumn]

    /// One feature: an indicator and how its reading becomes the feature's value. Generic over the indicator, so
    /// each update mutates the indicator in place (an enum payload would be copied, and its window with it).
    struct Column<Indicator: StreamingIndicator>: FeatureColumn {
        var indicator: Indicator
        let read: @Sendable (Indicator.Output, OHLCV) -> Double?

        var firstValidIndex: Int { indicator.firstValidIndex }

        mutating func value(after bar: OHLCV, openTime: Date) -> Double? {
            indicator.update(bar).flatMap { read($0, bar) }
        }
    }

    struct HourColumn: FeatureColumn {
        var firstValidIndex: Int { 0 }

        func value(after bar: OHLCV, openTime: Date) -> Double? {
            let seconds = Int64(openTime.timeIntervalSince1970.rounded(.down))
            let hours = seconds >= 0 ? seconds / 3600 : (seconds - 3599) / 3600
            let hour = hours % 24
            return Double(hour < 0 ? hour + 24 : hour)
        }
    }

    public init(names: [FeatureName]) throws(ModelError) {
        self.names = names
        var columns: [any FeatureColumn] = []
        for name in names { columns.append(try Self.column(for: name)) }
        self.columns = columns
    }

    /// The bars a computer needs before every feature has a value.
    public var warmUp: Int { columns.map(\.firstValidIndex).max() ?? 0 }

    static func column(for name: FeatureName) throws(ModelError) -> any FeatureColumn {
        do {
            switch name {
            case let .return(period): return Column(indicator: try RateOfChange(period: period)) { value, _ in value }
            case let .rsi(period): return Column(indicator: try RSI(period: period)) { value, _ in value }
            case let .macdHistogram(fast, slow, signal):
                return Column(indicator: try MACD(fast: fast, slow: slow, signal: signal)) { value, _ in value.histogram }
            case let .bollingerPercentB(period, k):
                // Flat bands have no width to place the close in.
                return Column(indicator: try BollingerBands(period: period, k: k)) { bands, bar in
                    bands.upper > bands.lower ? (bar.close - bands.lower) / (bands.upper - bands.lower) : nil
                }
            case let .atrRatio(period):
                return Column(indicator: try ATR(period: period)) { range, bar in bar.close != 0 ? range / bar.close : nil }
            case let .volumeZScore(period): return Column(indicator: try VolumeZScore(period: period)) { value, _ in value }
            case .hour: return HourColumn()
            }
        } catch {
            throw ModelError("feature '\(name)': \(error.description)")
        }
    }

    /// Feeds the next closed bar (opened at `openTime`) and writes one value per feature into `values`; returns
    /// false while any feature is still warming up or undefined on this bar (the row is then not used).
    public mutating func update(_ bar: OHLCV, openTime: Date, into values: inout [Double]) -> Bool {
        if values.count != columns.count { values = Array(repeating: 0, count: columns.count) }
        var complete = true
        for index in columns.indices {
            if let value = columns[index].value(after: bar, openTime: openTime), value.isFinite {
                values[index] = value
            } else {
                complete = false
            }
        }
        return complete
    }
}

/// A feature's streaming state, behind one face so the computer holds a list of them.
protocol FeatureColumn: Sendable {
    var firstValidIndex: Int { get }
    mutating func value(after bar: OHLCV, openTime: Date) -> Double?
}
