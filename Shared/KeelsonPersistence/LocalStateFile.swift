import Foundation

/// Files that `make run` keeps under `.keelson/` (the database URL, generated tokens). Looked up in the working
/// directory and then its parents, so commands work from anywhere inside the checkout.
public enum LocalStateFile {
    public static func read(_ relativePath: String, startingAt directory: String = FileManager.default.currentDirectoryPath) -> (
        contents: String, path: String
    )? {
        var current = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let candidate = current.appendingPathComponent(relativePath)
            if let text = try? String(contentsOf: candidate, encoding: .utf8) {
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty { return (trimmed, candidate.path) }
            }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return nil }
            current = parent
        }
    }
}
