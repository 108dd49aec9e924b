import Foundation
import KeelsonIndicators

/// A closed bar and the time it opened: what features are computed from (the hour feature needs the time).
public struct TimedBar: Sendable, Equatable {
    public var openTime: Date
    public var ohlcv: OHLCV

    public init(openTime: Date, ohlcv: OHLCV) {
        self.openTime = openTime
        self.ohlcv = ohlcv
    }
}
