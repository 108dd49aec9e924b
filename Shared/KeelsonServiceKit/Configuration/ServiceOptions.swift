import ArgumentParser

/// Flags every service accepts for local use; each overrides its environment variable.
public struct ServiceOptions: ParsableArguments, Sendable {
    @Option(help: "Listen address (overrides KEELSON_HOST).")
    public var host: String?

    @Option(help: "Listen port, 0 for a free one (overrides KEELSON_PORT).")
    public var port: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (overrides LOG_LEVEL).")
    public var logLevel: String?

    @Option(help: "json or text (overrides LOG_FORMAT).")
    public var logFormat: String?

    public init() {}
}
