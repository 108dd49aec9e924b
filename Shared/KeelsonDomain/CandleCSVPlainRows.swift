import Foundation

/// Where a reader puts the rows it reads: candles, or the binary cache's columns (`CandleColumnsBuilder`).
protocol CandleRowSink {
    var count: Int { get }
    /// A row of the plain fast path.
    mutating func append(_ row: PlainRow)
    /// A row of the general path.
    mutating func append(time: Date, _ open: Decimal, _ high: Decimal, _ low: Decimal, _ close: Decimal, _ volume: Decimal)
}

/// Rows as candles of one market.
struct CandleArraySink: CandleRowSink {
    var candles: [Candle] = []
    let exchange: String
    let symbol: Symbol
    let interval: CandleInterval

    var count: Int { candles.count }

    mutating func append(_ row: PlainRow) {
        candles.append(
            Candle(
                exchange: exchange, symbol: symbol, interval: interval, openTime: row.time, open: row.open.exact, high: row.high.exact,
                low: row.low.exact, close: row.close.exact, volume: row.volume.exact))
    }

    mutating func append(time: Date, _ open: Decimal, _ high: Decimal, _ low: Decimal, _ close: Decimal, _ volume: Decimal) {
        candles.append(
            Candle(
                exchange: exchange, symbol: symbol, interval: interval, openTime: time, open: open, high: high, low: low, close: close, volume: volume
            ))
    }
}

extension CandleColumnsBuilder: CandleRowSink {}

extension CandleCSV.Reader {
    /// The fast path of `nextCandles` and `nextColumns`: the complete lines already in the buffer, in the plain layout
    /// `time,open,high,low,close,volume` (a time the general path reads by arithmetic, plain decimals of up to 15
    /// digits, no blanks), read straight from the bytes without splitting cells or making text. It stops at the first
    /// line it does not take — an incomplete one, another layout, or one that breaks a rule — and leaves it to the
    /// general path, which reads it the same way or names the problem; so it never changes what a file reads as.
    mutating func readPlainRows<Sink: CandleRowSink>(into sink: inout Sink, upTo limit: Int) {
        var cursor = position
        var lines = lineNumber
        var last = previous
        let end = self.end
        buffer.withUnsafeBufferPointer { whole in
            let bytes = UnsafeBufferPointer(rebasing: whole[..<end])
            while sink.count < limit {
                guard let row = PlainRow.read(bytes, from: cursor) else { return }
                if let last, row.time <= last.time { return }
                guard row.isConsistent else { return }
                sink.append(row)
                last = (row.time, row.timeCell)
                cursor = row.next
                lines += 1
            }
        }
        position = cursor
        lineNumber = lines
        previous = last
    }
}

/// One line of the plain layout, read from bytes.
struct PlainRow {
    struct Number {
        var mantissa: UInt64
        var fractionDigits: Int
        var isNegative: Bool
        /// Correctly rounded (the mantissa is below 2^53 and the divisor an exact power of ten).
        var approximate: Double
        /// Made only by whoever needs it: columns keep the mantissa.
        var exact: Decimal { DecimalParts.decimal(coefficient: mantissa, exponent: -fractionDigits, isNegative: isNegative)! }

        /// `self < other`, exactly: by the Doubles when they differ (rounding keeps order), else by the decimals.
        func isBelow(_ other: Number) -> Bool {
            if approximate != other.approximate { return approximate < other.approximate }
            if isNegative != other.isNegative { return isNegative }
            // Equal Doubles of the same sign: compare the mantissas at the same number of fraction digits.
            let digits = max(fractionDigits, other.fractionDigits)
            let mine = UInt128(mantissa) * DecimalParts.powersOfTen[digits - fractionDigits]
            let theirs = UInt128(other.mantissa) * DecimalParts.powersOfTen[digits - other.fractionDigits]
            return isNegative ? mine > theirs : mine < theirs
        }
    }

    var time: Date
    var timeCell: Range<Int>
    var open: Number, high: Number, low: Number, close: Number, volume: Number
    /// Where the next line starts.
    var next: Int

    var isConsistent: Bool {
        !high.isBelow(low) && !high.isBelow(open) && !high.isBelow(close) && !open.isBelow(low) && !close.isBelow(low)
            && (!volume.isNegative || volume.mantissa == 0)
    }

    static let powersOfTen: [Double] = (0...15).map { power in (0..<power).reduce(1.0) { value, _ in value * 10 } }

    /// The line starting at `start`, when it is complete and plain; nil otherwise.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> PlainRow? {
        var index = start
        let end = bytes.count
        guard let (time, timeEnd) = readTime(bytes, from: index) else { return nil }
        let timeCell = start..<timeEnd
        index = timeEnd
        // Five cells, each after a comma (no array: this runs for every row).
        func cell() -> Number? {
            guard index < end, bytes[index] == 0x2C, let (number, after) = readNumber(bytes, from: index + 1) else { return nil }
            index = after
            return number
        }
        guard let open = cell(), let high = cell(), let low = cell(), let close = cell(), let volume = cell() else { return nil }
        // The line ends here: "\n" or "\r\n".
        guard index < end else { return nil }
        if bytes[index] == 0x0D {
            index += 1
            guard index < end else { return nil }
        }
        guard bytes[index] == 0x0A else { return nil }
        return PlainRow(time: time, timeCell: timeCell, open: open, high: high, low: low, close: close, volume: volume, next: index + 1)
    }

    /// A number cell up to the next comma or line break: at most 15 significant digits (so distinct values have
    /// distinct Doubles) and no plus sign; anything else is the general path's. One pass over the bytes.
    @inline(__always)
    static func readNumber(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (Number, Int)? {
        // Fifteen digits at most, so the decimal of `Number.exact` always exists.
        guard let scanned = CandleCSV.scanDecimal(bytes, start..<bytes.count, maxDigits: 15, allowsPlus: false), scanned.end < bytes.count
        else { return nil }
        let magnitude = Double(scanned.mantissa) / powersOfTen[scanned.fractionDigits]
        return (
            Number(
                mantissa: scanned.mantissa, fractionDigits: scanned.fractionDigits, isNegative: scanned.isNegative,
                approximate: scanned.isNegative ? -magnitude : magnitude),
            scanned.end
        )
    }

    /// The time cell up to the next comma, when it is one the general path reads by arithmetic.
    @inline(__always)
    static func readTime(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (Date, Int)? {
        var end = start
        while end < bytes.count, bytes[end] != 0x2C {
            end += 1
        }
        guard end < bytes.count, case .time(let time) = CandleCSV.scanTime(bytes, start..<end) else { return nil }
        return (time, end)
    }
}

extension CandleCSV {
    /// `[+-]?digits[.digits]` from the start of `cell` up to its end or the first comma or line break (`end`), as a
    /// mantissa and its fraction digits (trailing zeros after the point left out, so "12.50" is 12.5), at most
    /// `maxDigits` significant digits; nil for anything else. Both read paths use it.
    @inline(__always)
    static func scanDecimal(
        _ bytes: UnsafeBufferPointer<UInt8>, _ cell: Range<Int>, maxDigits: Int, allowsPlus: Bool
    ) -> (mantissa: UInt64, fractionDigits: Int, isNegative: Bool, end: Int)? {
        var index = cell.lowerBound
        guard index < cell.upperBound else { return nil }
        var negative = false
        if bytes[index] == 0x2D || (allowsPlus && bytes[index] == 0x2B) {
            negative = bytes[index] == 0x2D
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var pendingZeros = 0
        var sawPoint = false
        var sawDigit = false
        while index < cell.upperBound {
            let byte = bytes[index]
            let digit = UInt64(byte &- 0x30)
            if digit < 10 {
                sawDigit = true
                if sawPoint {
                    if digit == 0 {
                        pendingZeros += 1
                    } else {
                        guard digits + pendingZeros + 1 <= maxDigits else { return nil }
                        for _ in 0..<pendingZeros { mantissa *= 10 }
                        fractionDigits += pendingZeros + 1
                        digits += pendingZeros + 1
                        pendingZeros = 0
                        mantissa = mantissa * 10 + digit
                    }
                } else {
                    guard digits < maxDigits else { return nil }
                    mantissa = mantissa * 10 + digit
                    if mantissa > 0 { digits += 1 }
                }
            } else if byte == 0x2E {
                if sawPoint { return nil }
                sawPoint = true
            } else if byte == 0x2C || byte == 0x0A || byte == 0x0D {
                break
            } else {
                return nil
            }
            index += 1
        }
        guard sawDigit else { return nil }
        return (mantissa, fractionDigits, negative && mantissa != 0, index)
    }

    /// Epoch milliseconds, `yyyy-MM-dd`, or `yyyy-MM-dd[T ]HH:mm[:ss][Z]` in `cell`. Both read paths use it.
    static func scanTime(_ bytes: UnsafeBufferPointer<UInt8>, _ cell: Range<Int>) -> Reader.TimeReading {
        let count = cell.count
        func number(_ offset: Int, _ length: Int) -> Int? {
            var value = 0
            for index in (cell.lowerBound + offset)..<(cell.lowerBound + offset + length) {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        if count >= 1, count <= 15, let milliseconds = number(0, count) {
            return .time(Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000))
        }
        guard count >= 10, bytes[cell.lowerBound + 4] == 0x2D, bytes[cell.lowerBound + 7] == 0x2D,
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2)
        else { return .otherLayout }
        var length = count
        if count > 10, bytes[cell.upperBound - 1] == 0x5A { length -= 1 }
        let hasClock = length == 16 || length == 19
        if length != 10 {
            let separator = bytes[cell.lowerBound + 10]
            guard hasClock, separator == 0x54 || separator == 0x20, bytes[cell.lowerBound + 13] == 0x3A,
                length == 16 || bytes[cell.lowerBound + 16] == 0x3A
            else { return .otherLayout }
        }
        guard let days = UTCCalendar.days(year: year, month: month, day: day) else { return .impossible }
        var seconds = days * 86_400
        if hasClock {
            guard let hour = number(11, 2), let minute = number(14, 2) else { return .otherLayout }
            let second = length == 19 ? number(17, 2) : 0
            guard let second else { return .otherLayout }
            guard hour < 24, minute < 60, second < 60 else { return .impossible }
            seconds += hour * 3600 + minute * 60 + second
        }
        return .time(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
