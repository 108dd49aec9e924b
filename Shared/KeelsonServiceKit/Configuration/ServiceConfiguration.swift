import Foundation
import KeelsonDomain
import KeelsonPersistence
import Logging

/// Everything a service needs to start, read once and validated before anything else happens.
public struct ServiceConfiguration: Sendable {
    public var service: ServiceIdentity
    public var host: String
    public var port: Int
    public var database: DatabaseURL
    public var internalTokens: InternalTokens
    public var mode: TradingMode
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var serviceURLs: ServiceURLs
    /// Timeout for one service-to-service request.
    public var requestTimeout: Duration
    /// How long a graceful shutdown may take before what is left is cancelled (and, that failing, the process exits):
    /// an operation stuck on a connection that went away must not keep a stopped service alive.
    public var shutdownGrace: Duration
    public var version: String

    public init(
        service: ServiceIdentity,
        host: String = "127.0.0.1",
        port: Int? = nil,
        database: DatabaseURL,
        internalTokens: InternalTokens,
        mode: TradingMode = .paper,
        logLevel: Logger.Level = .info,
        logFormat: LogFormat = .text,
        serviceURLs: ServiceURLs = ServiceURLs(),
        requestTimeout: Duration = .seconds(2),
        shutdownGrace: Duration = .seconds(10),
        version: String = KeelsonVersion.current
    ) {
        self.service = service
        self.host = host
        self.port = port ?? service.defaultPort
        self.database = database
        self.internalTokens = internalTokens
        self.mode = mode
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.serviceURLs = serviceURLs
        self.requestTimeout = requestTimeout
        self.shutdownGrace = shutdownGrace
        self.version = version
    }

    /// Reads the environment; flags given on the command line win over it.
    public static func load(
        service: ServiceIdentity,
        environment: EnvironmentReader = EnvironmentReader(),
        flags: ServiceFlags = ServiceFlags()
    ) throws(ConfigurationError) -> ServiceConfiguration {
        let port: Int
        if let flag = flags.port {
            port = try EnvironmentReader.parsePort(flag, variable: "--port")
        } else {
            port = try environment.port("KEELSON_PORT") ?? service.defaultPort
        }
        let logLevel: Logger.Level
        if let flag = flags.logLevel {
            logLevel = try EnvironmentReader.parseLogLevel(flag, variable: "--log-level")
        } else {
            logLevel = try environment.logLevel("LOG_LEVEL") ?? .info
        }
        let logFormat: LogFormat
        if let flag = flags.logFormat {
            logFormat = try EnvironmentReader.parseChoice(flag, as: LogFormat.self, variable: "--log-format")
        } else {
            logFormat = try environment.choice("LOG_FORMAT", as: LogFormat.self) ?? LogFormat.defaultForTerminal
        }
        return ServiceConfiguration(
            service: service,
            host: flags.host ?? environment.string("KEELSON_HOST") ?? "127.0.0.1",
            port: port,
            database: try environment.databaseURL(),
            internalTokens: try InternalTokens.load(from: environment),
            mode: try environment.choice("KEELSON_MODE", as: TradingMode.self) ?? .paper,
            logLevel: logLevel,
            logFormat: logFormat,
            serviceURLs: try ServiceURLs.load(from: environment),
            requestTimeout: try environment.duration("KEELSON_REQUEST_TIMEOUT_MS") ?? .seconds(2),
            shutdownGrace: try environment.duration("KEELSON_SHUTDOWN_GRACE_MS") ?? .seconds(10)
        )
    }
}
