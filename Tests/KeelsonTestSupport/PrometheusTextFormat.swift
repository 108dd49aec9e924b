import Foundation

/// Checks text against the Prometheus exposition format (version 0.0.4): every line a `# HELP`/`# TYPE`
/// comment or a sample `name{label="value",...} number`, and each TYPE among the known metric types.
public enum PrometheusTextFormat {
    private static let sample = try! NSRegularExpression(
        pattern:
            #"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*,?\})? ([-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|NaN|\+Inf|-Inf)( -?[0-9]+)?$"#
    )
    private static let types: Set<String> = ["counter", "gauge", "histogram", "summary", "untyped"]

    /// The lines that are not valid, with their numbers; empty when the whole text is valid.
    public static func problems(in text: String) -> [String] {
        var problems: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(line)
            if line.isEmpty { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count != 4 || !types.contains(String(parts[3])) { problems.append("line \(number + 1): bad TYPE: \(line)") }
            } else if line.hasPrefix("# HELP ") || line.hasPrefix("#") {
                continue
            } else if sample.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) == nil {
                problems.append("line \(number + 1): not a sample: \(line)")
            }
        }
        return problems
    }

    /// The metric names that have at least one sample.
    public static func metricNames(in text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
                line.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init)
            })
    }
}
