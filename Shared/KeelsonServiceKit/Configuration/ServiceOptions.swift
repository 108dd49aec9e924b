import ArgumentParser

/// Values given on a service's command line; each, when present, wins over its environment variable.
public struct ServiceFlags: Sendable, Equatable {
    public var host: String?
    public var port: String?
    public var logLevel: String?
    public var logFormat: String?

    public init(host: String? = nil, port: String? = nil, logLevel: String? = nil, logFormat: String? = nil) {
        self.host = host
        self.port = port
        self.logLevel = logLevel
        self.logFormat = logFormat
    }
}

/// The flags every service executable accepts, for local use.
public struct ServiceOptions: ParsableArguments, Sendable {
    @Option(help: "Listen address (overrides KEELSON_HOST).")
    var host: String?

    @Option(help: "Listen port, 0 for a free one (overrides KEELSON_PORT).")
    var port: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (overrides LOG_LEVEL).")
    var logLevel: String?

    @Option(help: "json or text (overrides LOG_FORMAT).")
    var logFormat: String?

    public init() {}

    public var flags: ServiceFlags {
        ServiceFlags(host: host, port: port, logLevel: logLevel, logFormat: logFormat)
    }
}
