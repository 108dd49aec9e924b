import Foundation
import KeelsonDomain

/// Writes equity.csv while the backtest runs, a buffer at a time, so every bar's equity reaches the file without
/// the whole curve being held in memory. Writes to a `.partial` file renamed at `finish()`, so a run that fails
/// half way leaves no equity.csv that looks complete.
final class EquityCSVWriter {
    private let path: String
    private let handle: FileHandle
    private let timeStyle: CandleCSV.TimeStyle
    private var buffer: [UInt8] = []

    init(directory: String, timeStyle: CandleCSV.TimeStyle) throws(CLIError) {
        path = URL(fileURLWithPath: directory).appendingPathComponent("equity.csv").path
        guard FileManager.default.createFile(atPath: path + ".partial", contents: nil), let handle = FileHandle(forWritingAtPath: path + ".partial")
        else {
            throw CLIError("cannot write \(path).partial; check that \(directory) is writable")
        }
        self.handle = handle
        self.timeStyle = timeStyle
        buffer.reserveCapacity(1 << 20)
        buffer.append(contentsOf: "time,equity\n".utf8)
    }

    /// Equity rounded to 1e-8, as the shortest decimal that reads back as that Double (whole amounts without ".0").
    func record(time: Date, equity: Double) {
        buffer.append(contentsOf: timeStyle.format(time).utf8)
        buffer.append(0x2C)
        let text = "\((equity * 1e8).rounded() / 1e8)"
        buffer.append(contentsOf: (text.hasSuffix(".0") ? text.dropLast(2) : Substring(text)).utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { flush() }
    }

    func finish() throws(CLIError) {
        flush()
        try? handle.close()
        do {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: path + ".partial", toPath: path)
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Removes the partial file of a run that failed.
    func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: path + ".partial")
    }

    private func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
