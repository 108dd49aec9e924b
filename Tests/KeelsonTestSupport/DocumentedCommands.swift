import Foundation

/// The `keelson …` command lines the documentation tells people to type: every inline `keelson …` span and every
/// code-block line that starts with keelson, in README.md and docs/*.md.
public enum DocumentedCommands {
    /// (file, command line), in the order they appear; `files` relative to the package root (default: all of them).
    public static func lines(in files: [String]? = nil) throws -> [(file: String, line: String)] {
        let root = ServiceProcess.packageRoot
        let docs =
            try files
            ?? (FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path).filter { $0.hasSuffix(".md") }.sorted()
                .map { "docs/" + $0 } + ["README.md"])
        var found: [(String, String)] = []
        for file in docs {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            var inBlock = false
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("```") { inBlock.toggle(); continue }
                if inBlock {
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    for prefix in ["keelson ", ".build/debug/keelson "] where trimmed.hasPrefix(prefix) {
                        found.append((file, String(trimmed.dropFirst(prefix.count - "keelson ".count))))
                    }
                } else {
                    for span in line.split(separator: "`").enumerated() where span.offset % 2 == 1 && span.element.hasPrefix("keelson ") {
                        found.append((file, String(span.element)))
                    }
                }
            }
        }
        return found
    }
}
