import KeelsonDomain
import KeelsonIndicators
import Synchronization

/// Indicator values of one history computed once and read by every combination of a parameter search that asks
/// for the same indicator from the same bar: a grid of fast × slow averages computes each SMA(n) once per n instead
/// of once per pair. Each column is what the streaming indicator gives fed the bars from `start` on — the same code,
/// so a strategy reading it signals exactly as one computing its own. Columns are kept up to a memory budget, the
/// least recently used dropped first (a dropped one is computed again if asked for).
public final class SharedIndicators: Sendable {
    private let bars: [OHLCV]
    private let capacity: Int
    private let columns = Mutex<Columns>(Columns())

    private struct Key: Hashable {
        var period: Int
        var start: Int
    }

    private struct Columns {
        var values: [Key: [Double]] = [:]
        var lastUse: [Key: Int] = [:]
        var clock = 0
        var computed = 0
    }

    /// - Parameter memoryBudget: bytes of columns kept at most (at least four columns).
    public init(bars: [OHLCV], memoryBudget: Int = 256 << 20) {
        self.bars = bars
        capacity = max(4, memoryBudget / max(1, bars.count * MemoryLayout<Double>.stride))
    }

    /// Columns computed so far (each once unless dropped and asked for again).
    public var computedColumns: Int { columns.withLock { $0.computed } }

    /// SMA(`period`) of the close for bars `start…`, NaN while it warms up.
    public func sma(period: Int, from start: Int) -> [Double] {
        let key = Key(period: period, start: start)
        return columns.withLock { columns in
            columns.clock += 1
            columns.lastUse[key] = columns.clock
            if let values = columns.values[key] { return values }
            if columns.values.count >= capacity,
                let oldest = columns.lastUse.filter({ columns.values[$0.key] != nil }).min(by: { $0.value < $1.value })
            {
                columns.values[oldest.key] = nil
                columns.lastUse[oldest.key] = nil
            }
            var average = try! SMA(period: period)
            let values = bars[start...].map { average.update($0) ?? .nan }
            columns.values[key] = values
            columns.computed += 1
            return values
        }
    }
}

/// A strategy a search can build over `SharedIndicators`, reading its indicators from shared columns rather than
/// computing them per combination.
public protocol SharingIndicators: Strategy {
    /// The strategy fed bars `start…` of the shared history, in order, one `evaluate` per bar.
    init(parameters: StrategyParameters, shared: SharedIndicators, from start: Int) throws(StrategyError)
}

extension StrategyCatalog {
    /// `name` over shared indicator columns from bar `start` when it can read them, else built as usual.
    public static func make(_ name: String, parameters: [String: Double], shared: SharedIndicators, from start: Int) throws(StrategyError)
        -> any Strategy
    {
        let type = try type(named: name)
        guard let sharing = type as? any SharingIndicators.Type else { return try make(name, parameters: parameters) }
        return try sharing.init(
            parameters: StrategyParameters(strategy: name, specs: type.parameterSpecs, given: parameters), shared: shared, from: start)
    }
}
