import Foundation

/// Candles gathered straight into the binary cache's columns — open times in milliseconds and each price column as
/// integers at the column's scale (its most fraction digits so far; a column is rescaled when a finer value
/// arrives) — without making a `Candle` or a `Decimal` per row. `CandleCSV.Reader.nextColumns` feeds it plain rows
/// from the file's bytes; anything else arrives as decimals. A value that needs more than 18 digits at its column's
/// scale, or a time finer than a millisecond, makes the rows unfit for columns (`unfit` says why); the caller then
/// keeps candles.
public struct CandleColumnsBuilder: Sendable {
    private var times: [Int64] = []
    private var open: [Int64] = []
    private var high: [Int64] = []
    private var low: [Int64] = []
    private var close: [Int64] = []
    private var volume: [Int64] = []
    private var scales = [0, 0, 0, 0, 0]
    /// Why the rows cannot be held in columns; nil while they can.
    public private(set) var unfit: String?

    public init(expectedRows: Int = 0) {
        for index in 0..<6 { self[column: index].reserveCapacity(expectedRows) }
    }

    public var count: Int { times.count }

    /// The columns as a cache of a file written in `timeStyle`; nil when unfit or empty.
    public func finish(timeStyle: CandleCSV.TimeStyle) -> CandleCache? {
        guard unfit == nil, !times.isEmpty else { return nil }
        var prices: [Int64] = []
        prices.reserveCapacity(5 * times.count)
        for column in [open, high, low, close, volume] { prices += column }
        return CandleCache(times: times, prices: prices, scales: scales, timeStyle: timeStyle)
    }

    public mutating func append(_ candle: Candle) {
        append(time: candle.openTime, candle.open, candle.high, candle.low, candle.close, candle.volume)
    }

    /// A row the general path read.
    mutating func append(time: Date, _ open: Decimal, _ high: Decimal, _ low: Decimal, _ close: Decimal, _ volume: Decimal) {
        guard unfit == nil else { return }
        let milliseconds = (time.timeIntervalSince1970 * 1000).rounded()
        guard Date(timeIntervalSince1970: milliseconds / 1000) == time, let whole = Int64(exactly: milliseconds) else {
            unfit = "time \(time.formatted(.iso8601)) has a fraction of a millisecond"
            return
        }
        for (column, value) in [open, high, low, close, volume].enumerated() {
            guard let parts = DecimalParts(value), parts.coefficient < UInt128(UInt64.max) else {
                unfit = "\(value) has more than 19 digits"
                return
            }
            if parts.exponent > 0 {
                guard let scaled = DecimalParts.scaled(parts.coefficient, by: parts.exponent), scaled < UInt128(UInt64.max) else {
                    unfit = "\(value) has more than 19 digits"
                    return
                }
                guard put(UInt64(scaled), fractionDigits: 0, isNegative: parts.isNegative, column: column) else { return }
            } else {
                guard put(UInt64(parts.coefficient), fractionDigits: -parts.exponent, isNegative: parts.isNegative, column: column) else { return }
            }
        }
        times.append(whole)
    }

    /// A row the plain fast path read from bytes (at most 15 digits a value, a whole-millisecond time).
    mutating func append(_ row: PlainRow) {
        guard unfit == nil else { return }
        guard put(row.open.mantissa, fractionDigits: row.open.fractionDigits, isNegative: row.open.isNegative, column: 0),
            put(row.high.mantissa, fractionDigits: row.high.fractionDigits, isNegative: row.high.isNegative, column: 1),
            put(row.low.mantissa, fractionDigits: row.low.fractionDigits, isNegative: row.low.isNegative, column: 2),
            put(row.close.mantissa, fractionDigits: row.close.fractionDigits, isNegative: row.close.isNegative, column: 3),
            put(row.volume.mantissa, fractionDigits: row.volume.fractionDigits, isNegative: row.volume.isNegative, column: 4)
        else { return }
        times.append(Int64((row.time.timeIntervalSince1970 * 1000).rounded()))
    }

    /// Appends the rows of `later` (read after these) at the scales both need; false when its first row is not after
    /// the last of these or a value no longer fits.
    mutating func append(contentsOf later: CandleColumnsBuilder) -> Bool {
        guard unfit == nil, later.unfit == nil else { return false }
        guard let next = later.times.first else { return true }
        if let last = times.last, last >= next { return false }
        var later = later
        for column in 0..<5 {
            let scale = max(scales[column], later.scales[column])
            guard rescale(column, to: scale), later.rescale(column, to: scale) else { return false }
        }
        for column in 0..<6 { self[column: column] += later[column: column] }
        return true
    }

    /// Appends `mantissa × 10^-fractionDigits` to price column `column` at its scale; false (and `unfit` set) when
    /// it does not fit in 18 digits. A row is appended whole or the builder is unfit, so columns never differ in length.
    @inline(__always)
    private mutating func put(_ mantissa: UInt64, fractionDigits: Int, isNegative: Bool, column: Int) -> Bool {
        if fractionDigits > scales[column] {
            guard rescale(column, to: fractionDigits) else { return false }
        }
        let (value, overflow) = mantissa.multipliedReportingOverflow(by: Self.powersOfTen[scales[column] - fractionDigits])
        guard !overflow, value <= UInt64(Int64.max) else {
            unfit = "\(CandleCSV.required[column]) needs more than 18 digits at \(scales[column]) decimals"
            return false
        }
        self[column: column + 1].append(isNegative ? -Int64(value) : Int64(value))
        return true
    }

    private mutating func rescale(_ column: Int, to scale: Int) -> Bool {
        guard scale != scales[column] else { return true }
        guard scale <= 18 else {
            unfit = "\(CandleCSV.required[column]) has more than 18 decimals"
            return false
        }
        let factor = Self.powersOfTen[scale - scales[column]]
        let limit = Int64.max / Int64(factor)
        var values = self[column: column + 1]
        self[column: column + 1] = []
        for index in values.indices {
            guard values[index].magnitude <= limit.magnitude else {
                unfit = "\(CandleCSV.required[column]) needs more than 18 digits at \(scale) decimals"
                return false
            }
            values[index] *= Int64(factor)
        }
        self[column: column + 1] = values
        scales[column] = scale
        return true
    }

    /// Column 0 is the times, 1…5 open to volume.
    private subscript(column index: Int) -> [Int64] {
        get {
            switch index {
            case 0: times
            case 1: open
            case 2: high
            case 3: low
            case 4: close
            default: volume
            }
        }
        _modify {
            switch index {
            case 0: yield &times
            case 1: yield &open
            case 2: yield &high
            case 3: yield &low
            case 4: yield &close
            default: yield &volume
            }
        }
    }

    private static let powersOfTen: [UInt64] = (0...19).map { power in (0..<power).reduce(UInt64(1)) { value, _ in value * 10 } }
}
