import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A binary copy of a candle CSV, kept next to it (`FILE.kbars`), that loads without parsing text.
///
/// Layout, little-endian: the header below, then six columns of `count` Int64s — open time in epoch milliseconds,
/// then open, high, low, close and volume as integers scaled by each column's own power of ten (its most fraction
/// digits), which is every decimal of the file exactly. The cache is current when the CSV's size and modification
/// time are the ones recorded; when only the time differs (a copy, a `touch`), the CSV's content hash decides. The
/// body's own checksum (header word 8) is checked at every load, so bytes changed inside the cache are never read
/// as prices: the CSV is read instead.
public struct CandleCache: Sendable {
    public struct Error: Swift.Error, Equatable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Open times, epoch milliseconds.
    public var times: [Int64]
    /// Open, high, low, close and volume, one column after the other (column c of bar i at c × count + i), each value
    /// × 10^scales[c]: one array, so a load is one read and a conversion one pass.
    public var prices: [Int64]
    public var scales: [Int]
    public var timeStyle: CandleCSV.TimeStyle

    public var count: Int { times.count }

    static let magic: UInt64 = 0x3152_4142_534E_4C4B  // "KLNSBAR1" read as little-endian bytes
    static let headerSize = 96
    /// 2: the body's checksum in header word 8 (a version-1 cache, without it, is rebuilt).
    static let formatVersion: UInt64 = 2

    /// Where the cache of `csv` lives.
    public static func path(for csv: String) -> String { csv + ".kbars" }

    /// The columns of `candles` (read from `source` in `timeStyle`); fails when a value needs more than 18 digits
    /// at its column's scale or a time has a fraction of a millisecond.
    public init(candles: [Candle], timeStyle: CandleCSV.TimeStyle, source: String) throws(Error) {
        var columns = CandleColumnsBuilder(expectedRows: candles.count)
        for candle in candles { columns.append(candle) }
        if let unfit = columns.unfit { throw Error(description: "\(source): \(unfit); it cannot be cached") }
        guard let cache = columns.finish(timeStyle: timeStyle) else { throw Error(description: "\(source): has a header but no rows") }
        self = cache
    }

    init(times: [Int64], prices: [Int64], scales: [Int], timeStyle: CandleCSV.TimeStyle) {
        self.times = times
        self.prices = prices
        self.scales = scales
        self.timeStyle = timeStyle
    }

    /// The cache of `csv` when it exists and is current; nil otherwise (the caller reads the CSV).
    public static func load(csv: String) -> CandleCache? {
        guard let source = SourceStamp(path: csv), let file = FileDescriptor(path: path(for: csv)) else { return nil }
        guard let header = try? file.read(count: headerSize), header.count == headerSize else { return nil }
        let fields = header.withUnsafeBytes { raw in (0..<12).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self) } }
        let count = Int(fields[2])
        guard fields[0] == magic, count > 0, count < 1 << 40, file.size == headerSize + count * 48 else { return nil }
        guard fields[3] == UInt64(source.size) else { return nil }
        if fields[4] != source.modified.bitPattern {
            guard let hash = try? SourceStamp.contentHash(csv), hash == fields[5] else { return nil }
        }
        let scales = (0..<5).map { Int(Int8(truncatingIfNeeded: fields[6] >> (8 * UInt64($0)))) }
        guard let timeStyle = TimeStyle.decode(fields[7]) else { return nil }
        guard fields[1] == formatVersion else { return nil }
        guard let body = file.readBody(count: count, after: headerSize), body.checksum == fields[8] else { return nil }
        return CandleCache(times: body.times, prices: body.prices, scales: scales, timeStyle: timeStyle)
    }

    /// Writes the cache of `csv` next to it (through a temporary file, so a reader never sees half of one).
    public func write(for csv: String) throws {
        guard let source = SourceStamp(path: csv) else { throw Error(description: "\(csv): cannot be read") }
        let hash = try SourceStamp.contentHash(csv)
        var header = [UInt64](repeating: 0, count: Self.headerSize / 8)
        header[0] = Self.magic
        header[1] = Self.formatVersion
        header[2] = UInt64(count)
        header[3] = UInt64(source.size)
        header[4] = source.modified.bitPattern
        header[5] = hash
        header[6] = scales.enumerated().reduce(0) { packed, scale in
            packed | UInt64(UInt8(truncatingIfNeeded: scale.element)) << (8 * UInt64(scale.offset))
        }
        header[7] = timeStyle.code
        header[8] = Self.bodyChecksum(times, prices)
        var data = Data(capacity: Self.headerSize + count * 48)
        header.withUnsafeBytes { data.append(contentsOf: $0) }
        times.withUnsafeBytes { data.append(contentsOf: $0) }
        prices.withUnsafeBytes { data.append(contentsOf: $0) }
        let target = Self.path(for: csv)
        let partial = target + ".partial"
        do {
            try data.write(to: URL(fileURLWithPath: partial))
            _ = try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.moveItem(atPath: partial, toPath: target)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw Error(description: "cannot write \(target): \(error.localizedDescription)")
        }
    }

    /// Fletcher-style over the body's 64-bit words: the plain sum changes with any changed bit, the running sum of
    /// sums with any swap of words. Two additions a word, so checking it costs little next to reading the file.
    static func bodyChecksum(_ times: [Int64], _ prices: [Int64]) -> UInt64 {
        var running = ChecksumPart()
        for column in [times, prices] {
            column.withUnsafeBufferPointer { running.append(ChecksumPart($0)) }
        }
        return running.checksum
    }

    /// The checksum's sums over a run of words, which join in order: a later run's every running sum is its own plus
    /// the sum of all words before it. So threads can each sum a range and get the one-pass checksum.
    struct ChecksumPart {
        var sum: UInt64 = 0
        var sumOfSums: UInt64 = 0
        var words: UInt64 = 0

        init() {}

        init(_ words: UnsafeBufferPointer<Int64>) {
            for word in words {
                sum &+= UInt64(bitPattern: word)
                sumOfSums &+= sum
            }
            self.words = UInt64(words.count)
        }

        mutating func append(_ later: ChecksumPart) {
            sumOfSums &+= later.sumOfSums &+ later.words &* sum
            sum &+= later.sum
            words &+= later.words
        }

        var checksum: UInt64 { sum ^ (sumOfSums &* 0x9E37_79B9_7F4A_7C15) }
    }

    /// Bars `range` as candles of `symbol`, exactly the decimals of the CSV.
    public func candles(_ range: Range<Int>, exchange: String, symbol: Symbol, interval: CandleInterval) -> [Candle] {
        withColumns { columns in
            var candle = Candle(
                exchange: exchange, symbol: symbol, interval: interval, openTime: Date(timeIntervalSince1970: 0), open: 0, high: 0, low: 0, close: 0,
                volume: 0)
            return range.map { index in
                columns.load(index, into: &candle)
                return candle
            }
        }
    }

    /// The columns in place, for as long as `body` runs: what a backtest reads bar by bar.
    public func withColumns<Result>(_ body: (Columns) throws -> Result) rethrows -> Result {
        let exponents = (-scales[0], -scales[1], -scales[2], -scales[3], -scales[4])
        return try times.withUnsafeBufferPointer { times in
            try prices.withUnsafeBufferPointer { prices in try body(Columns(times: times, prices: prices, exponents: exponents)) }
        }
    }

    /// A cache's columns in place (valid inside `withColumns`).
    public struct Columns {
        let times: UnsafeBufferPointer<Int64>
        let prices: UnsafeBufferPointer<Int64>
        let exponents: (Int, Int, Int, Int, Int)

        /// Overwrites `candle`'s open time and prices with bar `index`'s, exactly the CSV's decimals. Its market
        /// stays, so no text is copied or counted per bar: a backtest loads every bar into one scratch candle.
        public func load(_ index: Int, into candle: inout Candle) {
            let count = times.count
            candle.openTime = Date(timeIntervalSince1970: Double(times[index]) / 1000)
            candle.open = CandleCache.decimal(prices[index], exponent: exponents.0)
            candle.high = CandleCache.decimal(prices[count + index], exponent: exponents.1)
            candle.low = CandleCache.decimal(prices[2 * count + index], exponent: exponents.2)
            candle.close = CandleCache.decimal(prices[3 * count + index], exponent: exponents.3)
            candle.volume = CandleCache.decimal(prices[4 * count + index], exponent: exponents.4)
        }
    }

    /// Calls `body` with each bar's (of `range`, else all) open, high, low, close and volume as correctly rounded
    /// Doubles (the same as the decimals' `doubleValue`), in order.
    @inline(__always)
    public func forEachDouble(in range: Range<Int>? = nil, _ body: (Double, Double, Double, Double, Double) -> Void) {
        let count = self.count
        let scales = (self.scales[0], self.scales[1], self.scales[2], self.scales[3], self.scales[4])
        let divisors = (
            Self.powersOfTen[min(scales.0, 22)], Self.powersOfTen[min(scales.1, 22)], Self.powersOfTen[min(scales.2, 22)],
            Self.powersOfTen[min(scales.3, 22)], Self.powersOfTen[min(scales.4, 22)]
        )
        @inline(__always)
        func double(_ raw: Int64, _ scale: Int, _ divisor: Double) -> Double {
            raw.magnitude < 1 << 53 && scale <= 22 ? Double(raw) / divisor : Self.decimal(raw, exponent: -scale).doubleValue
        }
        prices.withUnsafeBufferPointer { prices in
            for index in range ?? 0..<count {
                body(
                    double(prices[index], scales.0, divisors.0), double(prices[count + index], scales.1, divisors.1),
                    double(prices[2 * count + index], scales.2, divisors.2), double(prices[3 * count + index], scales.3, divisors.3),
                    double(prices[4 * count + index], scales.4, divisors.4))
            }
        }
    }

    /// Every cached value came from a Decimal of at most 18 digits, so it is stored back exactly.
    @inline(__always)
    static func decimal(_ value: Int64, exponent: Int) -> Decimal {
        DecimalParts.decimal(coefficient: value.magnitude, exponent: exponent, isNegative: value < 0)!
    }

    private static let powersOfTen: [Double] = (0...22).map { power in (0..<power).reduce(1.0) { value, _ in value * 10 } }

    typealias TimeStyle = CandleCSV.TimeStyle
}

/// The size and modification time of a file, and a hash of its bytes, which say whether a cache is of it.
struct SourceStamp {
    var size: Int
    var modified: Double

    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        size = Int(status.st_size)
        #if canImport(Darwin)
            modified = Double(status.st_mtimespec.tv_sec) + Double(status.st_mtimespec.tv_nsec) / 1e9
        #else
            modified = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
        #endif
    }

    /// FNV-1a over the file's 8-byte words (the tail zero-padded): cheap, and any edit changes it.
    static func contentHash(_ path: String) throws -> UInt64 {
        guard let file = FileDescriptor(path: path) else { throw CandleCache.Error(description: "\(path): cannot be read") }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        while true {
            let block = try file.read(count: 1 << 22)
            if block.isEmpty { break }
            block.withUnsafeBytes { raw in
                var offset = 0
                while offset + 8 <= raw.count {
                    hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x100_0000_01B3
                    offset += 8
                }
                var tail: UInt64 = 0
                for index in offset..<raw.count { tail |= UInt64(raw[index]) << (8 * UInt64(index - offset)) }
                if offset < raw.count { hash = (hash ^ tail) &* 0x100_0000_01B3 }
            }
        }
        return hash
    }
}

#if canImport(Glibc)
    private let systemRead = Glibc.read
#else
    private let systemRead = Darwin.read
#endif

/// A file opened for reading with plain `read(2)`, so columns go straight into their arrays.
final class FileDescriptor {
    let descriptor: Int32
    let size: Int

    init?(path: String) {
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            close(descriptor)
            return nil
        }
        size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    func read(count: Int) throws -> [UInt8] {
        let bytes = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = try fill(UnsafeMutableRawBufferPointer(buffer))
        }
        return bytes
    }

    /// A cache's body — `count` times, then 5 × `count` prices — read by two threads at once, each its share of
    /// every column with `pread(2)` straight into the arrays, with the body's checksum; nil when the file ends early.
    func readBody(count: Int, after offset: Int) -> (times: [Int64], prices: [Int64], checksum: UInt64)? {
        let descriptor = self.descriptor
        let parts = count >= 1 << 16 ? 2 : 1
        func column(words: Int, at start: Int) -> (elements: [Int64], found: [CandleCache.ChecksumPart])? {
            ParallelFill.array(count: words, parts: parts) { range, first in
                let destination = first + range.lowerBound
                let bytes = range.count * 8
                var done = 0
                while done < bytes {
                    let got = pread(descriptor, UnsafeMutableRawPointer(destination) + done, bytes - done, off_t(start + range.lowerBound * 8 + done))
                    if got < 0, errno == EINTR { continue }
                    guard got > 0 else { return nil }
                    done += got
                }
                return CandleCache.ChecksumPart(UnsafeBufferPointer(start: destination, count: range.count))
            }
        }
        guard let times = column(words: count, at: offset), let prices = column(words: 5 * count, at: offset + 8 * count) else { return nil }
        var checksum = CandleCache.ChecksumPart()
        for part in times.found + prices.found { checksum.append(part) }
        return (times.elements, prices.elements, checksum.checksum)
    }

    /// Up to `count` bytes from `offset`; nil when they cannot be read.
    func read(count: Int, at offset: Int) -> [UInt8]? {
        Self.read(descriptor, offset..<min(size, offset + count), after: [])
    }

    /// `prefix` then the file's bytes `range`, read with `pread(2)` (which any thread may do on one descriptor); nil
    /// when the file ends early.
    static func read(_ descriptor: Int32, _ range: Range<Int>, after prefix: [UInt8]) -> [UInt8]? {
        var complete = true
        let bytes = [UInt8](unsafeUninitializedCapacity: prefix.count + range.count) { buffer, initialized in
            _ = buffer.initialize(from: prefix)
            var done = 0
            while done < range.count {
                let got = pread(descriptor, buffer.baseAddress! + prefix.count + done, range.count - done, off_t(range.lowerBound + done))
                if got < 0, errno == EINTR { continue }
                guard got > 0 else {
                    complete = false
                    break
                }
                done += got
            }
            initialized = prefix.count + done
        }
        return complete ? bytes : nil
    }

    /// Reads until `buffer` is full or the file ends; the bytes read.
    private func fill(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var total = 0
        while total < buffer.count {
            let got = systemRead(descriptor, buffer.baseAddress! + total, buffer.count - total)
            if got < 0 {
                if errno == EINTR { continue }
                throw CandleCache.Error(description: "read failed: \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            total += got
        }
        return total
    }
}

extension CandleCSV.TimeStyle {
    /// The style packed in a header word: a kind, then the separator, seconds and zulu of a date-time.
    var code: UInt64 {
        switch self {
        case .epochMilliseconds: 1
        case .date: 2
        case .iso8601: 3
        case .dateTime(let separator, let seconds, let zulu):
            4 | UInt64(separator.asciiValue ?? 0x54) << 8 | (seconds ? 1 << 16 : 0) | (zulu ? 1 << 17 : 0)
        }
    }

    static func decode(_ code: UInt64) -> CandleCSV.TimeStyle? {
        switch code & 0xFF {
        case 1: .epochMilliseconds
        case 2: .date
        case 3: .iso8601
        case 4:
            .dateTime(
                separator: Character(Unicode.Scalar(UInt8(truncatingIfNeeded: code >> 8))), seconds: code & 1 << 16 != 0, zulu: code & 1 << 17 != 0)
        default: nil
        }
    }
}
