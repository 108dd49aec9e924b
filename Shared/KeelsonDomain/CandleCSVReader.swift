import Foundation

extension CandleCSV {
    /// Reads an OHLCV file a chunk of rows at a time, so a file of millions of bars never has to fit in memory.
    /// Works on bytes: plain decimals (up to 18 digits) and the common time layouts are read by arithmetic;
    /// anything else (exponents, fractional seconds, offsets) goes through Foundation's parsers.
    public struct Reader {
        private let source: String
        private var file: FileHandle?
        var buffer: [UInt8]
        var position = 0
        private var atEnd: Bool
        /// Bytes read and dropped from the front of `buffer`, and the input's size, for a progress bar.
        private var dropped = 0
        private let totalBytes: Int
        var lineNumber = 0
        var columnCount = 0
        /// Index of the time cell, then open, high, low, close, volume.
        var columns: [Int] = []
        private var cells: [Range<Int>] = []
        /// The last row's time, and its time cell in `buffer` (kept there by `fill`) for the out-of-order message.
        var previous: (time: Date, cell: Range<Int>)?
        /// How the first row wrote its time.
        public internal(set) var timeStyle: TimeStyle?
        private let blockSize: Int
        /// Where this reader's part of an in-memory input ends (`CandleCSV.readColumns` splits one between threads).
        var partEnd: Int?
        var end: Int { partEnd ?? buffer.count }

        /// - Parameter blockSize: bytes read from the file at a time.
        public init(path: String, blockSize: Int = 1 << 22) throws(ParseError) {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
                throw ParseError(source: path, row: nil, problem: "cannot be read: \(reason)")
            }
            source = path
            file = handle
            self.blockSize = max(1, blockSize)
            totalBytes = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
            buffer = []
            atEnd = false
            try readHeader()
        }

        public init(bytes: [UInt8], source: String) throws(ParseError) {
            self.source = source
            buffer = bytes
            blockSize = bytes.count
            totalBytes = bytes.count
            atEnd = true
            try readHeader()
        }

        /// How much of the input has been read, from 0 to 1.
        public var fractionRead: Double {
            totalBytes > 0 ? min(1, Double(dropped + position) / Double(totalBytes)) : 1
        }

        /// Every remaining row.
        public mutating func all() throws(ParseError) -> [Row] {
            var rows: [Row] = []
            while true {
                let chunk = try next(maxRows: 1 << 16)
                if chunk.isEmpty { break }
                rows += chunk
            }
            guard !rows.isEmpty else {
                throw ParseError(source: source, row: nil, problem: "has a header but no rows")
            }
            return rows
        }

        /// Up to `maxRows` more rows; empty at the end of the file.
        public mutating func next(maxRows: Int) throws(ParseError) -> [Row] {
            var rows: [Row] = []
            rows.reserveCapacity(maxRows)
            while rows.count < maxRows, let line = nextLine() {
                if line.isEmpty || Self.isBlank(buffer[line.lowerBound]) && buffer[line].allSatisfy(Self.isBlank) { continue }
                let bar = try parse(line)
                let timeText = String(decoding: buffer[bar.timeCell], as: UTF8.self)
                rows.append(
                    Row(time: bar.time, timeText: timeText, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume))
            }
            return rows
        }

        /// Up to `maxRows` more bars as candles of `symbol`, without keeping each row's time as text (the fast path
        /// of a backtest or a search); empty at the end of the file.
        public mutating func nextCandles(maxRows: Int, exchange: String, symbol: Symbol, interval: CandleInterval) throws(ParseError) -> [Candle] {
            var sink = CandleArraySink(exchange: exchange, symbol: symbol, interval: interval)
            sink.candles.reserveCapacity(maxRows)
            try read(into: &sink, upTo: maxRows)
            return sink.candles
        }

        /// Up to `maxRows` more bars into `columns`, without making a candle; the rows added (0 at the end of the
        /// file). Check `columns.unfit` after each call: once it is set the rows belong in candles instead.
        public mutating func nextColumns(maxRows: Int, into columns: inout CandleColumnsBuilder) throws(ParseError) -> Int {
            let before = columns.count
            try read(into: &columns, upTo: before + maxRows)
            return columns.count - before
        }

        private mutating func read<Sink: CandleRowSink>(into sink: inout Sink, upTo limit: Int) throws(ParseError) {
            while sink.count < limit {
                // Rows in the plain layout go through the fast path; whatever it leaves (a refill, a blank line,
                // another layout, an error to name) takes the general one, a line at a time.
                if timeStyle != nil, columns == [0, 1, 2, 3, 4, 5], columnCount == 6 {
                    readPlainRows(into: &sink, upTo: limit)
                }
                guard sink.count < limit, let line = nextLine() else { break }
                if line.isEmpty || Self.isBlank(buffer[line.lowerBound]) && buffer[line].allSatisfy(Self.isBlank) { continue }
                let bar = try parse(line)
                sink.append(time: bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume)
            }
        }

        private mutating func readHeader() throws(ParseError) {
            // A UTF-8 byte-order mark is not part of the first column's name.
            if buffer.isEmpty { fill() }
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
            var header: Range<Int>?
            while let line = nextLine() {
                if buffer[line].allSatisfy(Self.isBlank) { continue }
                header = line
                break
            }
            guard let header else {
                throw ParseError(source: source, row: nil, problem: "the file is empty; expected a header time,open,high,low,close,volume")
            }
            let text = String(decoding: buffer[header], as: UTF8.self)
            let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let timeIndex = names.firstIndex(where: { CandleCSV.timeNames.contains($0) }) else {
                throw ParseError(
                    source: source, row: lineNumber,
                    problem: "no time column; the header must name time (or date), open, high, low, close, volume, found: \(text)")
            }
            columns = [timeIndex]
            for name in CandleCSV.required {
                guard let index = names.firstIndex(of: name) else {
                    throw ParseError(
                        source: source, row: lineNumber,
                        problem: "no '\(name)' column; the header must name time, open, high, low, close, volume, found: \(text)")
                }
                columns.append(index)
            }
            columnCount = names.count
        }

        /// One row's cells read and checked: the time after the previous row's, low ≤ open, close ≤ high, volume ≥ 0.
        private mutating func parse(
            _ line: Range<Int>
        ) throws(ParseError) -> (time: Date, timeCell: Range<Int>, open: Decimal, high: Decimal, low: Decimal, close: Decimal, volume: Decimal) {
            cells.removeAll(keepingCapacity: true)
            var start = line.lowerBound
            for index in line where buffer[index] == 0x2C {
                cells.append(trimmed(start..<index))
                start = index + 1
            }
            cells.append(trimmed(start..<line.upperBound))
            guard cells.count == columnCount else {
                throw ParseError(source: source, row: lineNumber, problem: "has \(cells.count) cells, the header has \(columnCount)")
            }
            let timeCell = cells[columns[0]]
            let time: Date?
            switch fastTime(timeCell) {
            case .time(let parsed): time = parsed
            case .impossible: time = nil
            case .otherLayout: time = CandleCSV.parseTime(text(timeCell))
            }
            guard let time else {
                throw ParseError(
                    source: source, row: lineNumber,
                    problem: "time '\(text(timeCell))' is not ISO-8601 (2024-01-31 or 2024-01-31T09:30:00Z) or epoch milliseconds")
            }
            let open = try number(cells[columns[1]], name: "open")
            let high = try number(cells[columns[2]], name: "high")
            let low = try number(cells[columns[3]], name: "low")
            let close = try number(cells[columns[4]], name: "close")
            let volume = try number(cells[columns[5]], name: "volume")
            if let previous, time <= previous.time {
                throw ParseError(
                    source: source, row: lineNumber,
                    problem:
                        "time \(text(timeCell)) is not after the previous row's \(text(previous.cell)); rows must be sorted by time without duplicates"
                )
            }
            if timeStyle == nil { timeStyle = TimeStyle.of(text(timeCell), time: time) }
            guard !high.isBelow(low), !high.isBelow(open), !high.isBelow(close), !low.isAbove(open), !low.isAbove(close),
                volume.approximate.map({ $0 >= 0 }) ?? !volume.exact.isBelow(0)
            else {
                throw ParseError(source: source, row: lineNumber, problem: "prices are inconsistent (need low ≤ open, close ≤ high and volume ≥ 0)")
            }
            previous = (time, timeCell)
            return (time, timeCell, open.exact, high.exact, low.exact, close.exact, volume.exact)
        }

        private func text(_ cell: Range<Int>) -> String { String(decoding: buffer[cell], as: UTF8.self) }

        /// A cell's exact value and, when it has few enough digits, its correctly rounded Double, which orders two
        /// values without decimal arithmetic whenever the Doubles differ (rounding never reverses an order).
        private struct Number {
            var exact: Decimal
            var approximate: Double?

            func isBelow(_ other: Number) -> Bool {
                if let mine = approximate, let theirs = other.approximate, mine != theirs { return mine < theirs }
                return exact.isBelow(other.exact)
            }

            func isAbove(_ other: Number) -> Bool { other.isBelow(self) }
        }

        private func number(_ cell: Range<Int>, name: String) throws(ParseError) -> Number {
            if let number = fastNumber(cell) { return number }
            guard let value = slowDecimal(cell) else {
                throw ParseError(source: source, row: lineNumber, problem: "\(name) '\(text(cell))' is not a number")
            }
            return Number(exact: value, approximate: nil)
        }

        /// The next line without its line break; nil at the end of the input.
        private mutating func nextLine() -> Range<Int>? {
            while true {
                let end = self.end
                if let newline = buffer[position..<end].firstIndex(of: 0x0A) {
                    let start = position
                    position = newline + 1
                    lineNumber += 1
                    return start..<(newline > start && buffer[newline - 1] == 0x0D ? newline - 1 : newline)
                }
                if atEnd {
                    guard position < end else { return nil }
                    let start = position
                    position = end
                    lineNumber += 1
                    return start..<(buffer[end - 1] == 0x0D ? end - 1 : end)
                }
                fill()
            }
        }

        /// Drops what was read and appends the next block of the file.
        private mutating func fill() {
            guard let file else {
                atEnd = true
                return
            }
            // The previous row's time cell stays, for the message should the next row be out of order.
            let keep = min(position, previous?.cell.lowerBound ?? position)
            if keep > 0 {
                dropped += keep
                buffer.removeFirst(keep)
                position -= keep
                if let kept = previous { previous = (kept.time, (kept.cell.lowerBound - keep)..<(kept.cell.upperBound - keep)) }
            }
            let block = (try? file.read(upToCount: blockSize)) ?? nil
            if let block, !block.isEmpty {
                buffer.append(contentsOf: block)
            } else {
                atEnd = true
                try? file.close()
                self.file = nil
            }
        }

        private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

        private func trimmed(_ range: Range<Int>) -> Range<Int> {
            var lower = range.lowerBound
            var upper = range.upperBound
            while lower < upper, Self.isBlank(buffer[lower]) { lower += 1 }
            while upper > lower, Self.isBlank(buffer[upper - 1]) { upper -= 1 }
            return lower..<upper
        }

        /// `[+-]?digits[.digits]` with at most 18 significant digits, exactly; nil for anything else.
        private func fastNumber(_ cell: Range<Int>) -> Number? {
            guard let scanned = buffer.withUnsafeBufferPointer({ CandleCSV.scanDecimal($0, cell, maxDigits: 18, allowsPlus: true) }),
                scanned.end == cell.upperBound,
                let exact = DecimalParts.decimal(coefficient: scanned.mantissa, exponent: -scanned.fractionDigits, isNegative: scanned.isNegative)
            else { return nil }
            // Below 2^53 over a power of ten up to 10^18, one division is correctly rounded, as `Decimal.doubleValue`.
            guard scanned.mantissa < 1 << 53 else { return Number(exact: exact, approximate: nil) }
            let magnitude = Double(scanned.mantissa) / Self.powersOfTen[scanned.fractionDigits]
            return Number(exact: exact, approximate: scanned.isNegative ? -magnitude : magnitude)
        }

        private static let powersOfTen: [Double] = (0...18).map { power in (0..<power).reduce(1.0) { value, _ in value * 10 } }

        private func slowDecimal(_ cell: Range<Int>) -> Decimal? {
            let text = String(decoding: buffer[cell], as: UTF8.self)
            guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), !value.isNaN, text.lowercased() != "nan",
                text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "e" || $0 == "E" || $0 == "+" })
            else { return nil }
            return value
        }

        enum TimeReading {
            case time(Date)
            /// The layout is one read here but the date or clock does not exist (2023-02-29, 24:10).
            case impossible
            case otherLayout
        }

        /// Epoch milliseconds, `yyyy-MM-dd`, or `yyyy-MM-dd[T ]HH:mm[:ss][Z]`.
        private func fastTime(_ cell: Range<Int>) -> TimeReading {
            buffer.withUnsafeBufferPointer { CandleCSV.scanTime($0, cell) }
        }
    }
}
