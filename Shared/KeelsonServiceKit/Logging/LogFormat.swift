import Foundation

public enum LogFormat: String, Sendable, CaseIterable {
    case json, text

    /// Readable on a terminal, JSON lines when the output goes to a file or a log collector.
    public static var defaultForTerminal: LogFormat {
        isatty(STDOUT_FILENO) == 1 ? .text : .json
    }
}
