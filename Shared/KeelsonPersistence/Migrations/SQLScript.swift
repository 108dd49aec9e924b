import Foundation

/// Splits a migration script into statements. postgres-nio speaks only the extended query protocol, which
/// takes one statement at a time; this honours quotes, quoted identifiers, dollar quoting and comments so a
/// `;` inside any of them does not split.
enum SQLScript {
    static func statements(in script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        let characters = Array(script)
        var index = 0
        func peek(_ offset: Int) -> Character? {
            index + offset < characters.count ? characters[index + offset] : nil
        }
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "'", "\"":
                let end = characters[(index + 1)...].firstIndex(of: character) ?? characters.count - 1
                current += String(characters[index...end])
                index = end + 1
            case "-" where peek(1) == "-":
                let end = characters[index...].firstIndex(of: "\n") ?? characters.count
                index = end
            case "/" where peek(1) == "*":
                var end = index + 2
                while end + 1 < characters.count, !(characters[end] == "*" && characters[end + 1] == "/") { end += 1 }
                index = end + 2
            case "$":
                // A dollar-quote tag: $$ or $name$.
                var tagEnd = index + 1
                while tagEnd < characters.count, characters[tagEnd].isLetter || characters[tagEnd].isNumber || characters[tagEnd] == "_" {
                    tagEnd += 1
                }
                guard tagEnd < characters.count, characters[tagEnd] == "$" else {
                    current.append(character)
                    index += 1
                    continue
                }
                let tag = String(characters[index...tagEnd])
                let rest = String(characters[(tagEnd + 1)...])
                if let close = rest.range(of: tag) {
                    let body = rest[..<close.upperBound]
                    current += tag + body
                    index = tagEnd + 1 + body.count
                } else {
                    current += String(characters[index...])
                    index = characters.count
                }
            case ";":
                append(&statements, current)
                current = ""
                index += 1
            default:
                current.append(character)
                index += 1
            }
        }
        append(&statements, current)
        return statements
    }

    private static func append(_ statements: inout [String], _ statement: String) {
        let trimmed = statement.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { statements.append(trimmed) }
    }
}
