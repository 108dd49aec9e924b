import Foundation

/// Follows equity bar by bar in constant memory: what the statistics need (the last equity of each UTC day, the
/// deepest and longest drawdown, first and last times) and a bounded sample of the curve for charts. A run of
/// five million bars keeps a few thousand numbers, not five million.
public struct EquityTracker: Sendable {
    /// One point of the sampled curve: the bar's open time, equity at its close, and the close itself.
    public struct Sample: Sendable, Equatable {
        public var time: Date
        public var equity: Double
        public var close: Double
    }

    public private(set) var bars = 0
    public private(set) var firstTime: Date?
    public private(set) var lastTime: Date?
    public private(set) var lastEquity: Double
    /// The last equity of each UTC day, oldest first.
    public private(set) var dailyCloses: [Double] = []
    /// UTC Saturdays and Sundays with bars: markets that trade every day have them, exchanges do not.
    public private(set) var weekendDays = 0
    /// Deepest fall from a peak, as a fraction of the peak.
    public private(set) var worstDrawdown = 0.0
    /// Longest time from a peak to the next new peak (or to the end).
    public private(set) var longestDrawdown: TimeInterval = 0
    /// Every `sampleStride`-th bar, at most `2 × sampleLimit` of them: the stride doubles when the sample fills.
    public private(set) var samples: [Sample] = []
    private var sampleStride = 1
    /// The bar count at which the next sample is taken (a multiple of `sampleStride`).
    private var nextSampleBar = 0
    private let sampleLimit: Int
    /// The current UTC day's bounds in seconds since 1970, so most bars need no division to find their day.
    private var dayStart = Double.infinity
    private var dayEnd = -Double.infinity
    private var peak: Double
    private var peakTime: Date?

    public init(initialEquity: Double, sampleLimit: Int = 2048) {
        lastEquity = initialEquity
        peak = initialEquity
        self.sampleLimit = max(2, sampleLimit)
    }

    public mutating func record(time: Date, equity: Double, close: Double) {
        let seconds = time.timeIntervalSince1970
        if firstTime == nil {
            firstTime = time
            peakTime = time
        }
        lastTime = time
        lastEquity = equity
        if seconds >= dayStart, seconds < dayEnd {
            dailyCloses[dailyCloses.count - 1] = equity
        } else {
            dailyCloses.append(equity)
            dayStart = (seconds / 86_400).rounded(.down) * 86_400
            dayEnd = dayStart + 86_400
            // 1 January 1970 was a Thursday: days 2 and 3 of each week after it are Saturday and Sunday.
            let weekday = (Int(dayStart / 86_400) % 7 + 7) % 7
            if weekday == 2 || weekday == 3 { weekendDays += 1 }
        }
        if equity >= peak {
            if let peakTime { longestDrawdown = max(longestDrawdown, time.timeIntervalSince(peakTime)) }
            peak = equity
            peakTime = time
        } else if peak > 0 {
            worstDrawdown = max(worstDrawdown, (peak - equity) / peak)
        }
        if bars == nextSampleBar {
            samples.append(Sample(time: time, equity: equity, close: close))
            if samples.count == 2 * sampleLimit {
                samples = stride(from: 0, to: samples.count, by: 2).map { samples[$0] }
                sampleStride *= 2
            }
            nextSampleBar = (bars / sampleStride + 1) * sampleStride
        }
        bars += 1
    }

    /// Puts the exact final equity in place of the running estimate of the last bar.
    mutating func replaceLast(time: Date, equity: Double) {
        guard bars > 0, lastTime == time else { return }
        lastEquity = equity
        dailyCloses[dailyCloses.count - 1] = equity
    }

    /// The sampled curve with the last bar included, for charts.
    public func curve(lastClose: Double) -> [Sample] {
        guard let lastTime, samples.last?.time != lastTime else { return samples }
        return samples + [Sample(time: lastTime, equity: lastEquity, close: lastClose)]
    }

    /// Longest drawdown, counting one still open at the end.
    var longestDrawdownIncludingOpen: TimeInterval {
        guard let peakTime, let lastTime else { return longestDrawdown }
        return max(longestDrawdown, lastTime.timeIntervalSince(peakTime))
    }
}
