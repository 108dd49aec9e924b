/// `--param NAME=NUMBER` options as the strategy's given parameters, refused in one line when one is not that.
enum ParameterArguments {
    static func values(_ texts: [String]) throws -> [String: Double] {
        var values: [String: Double] = [:]
        for text in texts {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw CLIError("--param \(text) is not NAME=NUMBER, e.g. --param fast=10", exitCode: 2)
            }
            values[parts[0]] = value
        }
        return values
    }
}
