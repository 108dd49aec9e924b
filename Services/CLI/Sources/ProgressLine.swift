import Foundation

/// A single self-overwriting progress line on a terminal; silent when the output is a file or a pipe, and until
/// `showAfter` has passed (a short run needs no progress line).
final class ProgressLine: Sendable {
    let total: Int
    let unit: String
    let isTerminal = isatty(STDERR_FILENO) == 1
    let startedAt = ContinuousClock.now
    let showAfter: Duration

    init(total: Int, unit: String, showAfter: Duration = .zero) {
        self.total = max(total, 1)
        self.unit = unit
        self.showAfter = showAfter
    }

    private var visible: Bool { isTerminal && ContinuousClock.now - startedAt >= showAfter }

    func update(_ done: Int) {
        guard visible else { return }
        let percent = min(100, done * 100 / total)
        FileHandle.standardError.write(Data("\r\(done)/\(total) \(unit) (\(percent)%)".utf8))
    }

    /// For input whose length is known only as a fraction read (a file read in chunks).
    func update(_ done: Int, fraction: Double) {
        guard visible else { return }
        FileHandle.standardError.write(Data("\r\(done) \(unit) (\(Int(fraction * 100))%)".utf8))
    }

    func finish() {
        if visible { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
