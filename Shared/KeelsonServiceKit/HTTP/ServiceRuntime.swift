import AsyncHTTPClient
import Foundation
import Hummingbird
import KeelsonPersistence
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// What every Keelson service is made of: its configuration, logger, metrics, database pool, schema state,
/// HTTP client and readiness checks. A service's `buildApplication` creates one, adds its own routes, checks
/// and background services, and asks it for the application.
public final class ServiceRuntime: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let metrics: ServiceMetrics
    public let postgres: PostgresClient
    public let schema: SchemaState
    /// The process-wide client: it pools connections per host and needs no shutdown; every request carries
    /// its own deadline.
    public let httpClient: HTTPClient
    /// The routes served, for the 405 answers (filled by `makeApplication`).
    private let routeTable = RouteTable()
    private let startedAt = ContinuousClock.now
    private let readinessChecks: [any ReadinessCheck]
    private let healthDetailsProvider: @Sendable () async -> [String: String]

    /// - Parameters:
    ///   - readinessChecks: checks beyond the database, which is always checked.
    ///   - healthDetails: extra facts for `GET /health` (e.g. the engine's role), computed cheaply.
    public init(
        configuration: ServiceConfiguration,
        logger: Logger? = nil,
        metrics: ServiceMetrics? = nil,
        readinessChecks: [any ReadinessCheck] = [],
        healthDetails: @escaping @Sendable () async -> [String: String] = { [:] }
    ) {
        self.configuration = configuration
        var logger = logger ?? Logger(label: configuration.service.executableName)
        logger.logLevel = configuration.logLevel
        self.logger = logger
        self.metrics = metrics ?? ServiceMetrics(service: configuration.service, version: configuration.version)
        self.postgres = PostgresClient(
            configuration: configuration.database.clientConfiguration(applicationName: configuration.service.executableName), backgroundLogger: logger
        )
        self.schema = SchemaState()
        self.httpClient = HTTPClient.shared
        self.readinessChecks = [DatabaseReadinessCheck(client: postgres, url: configuration.database, schema: schema)] + readinessChecks
        self.healthDetailsProvider = healthDetails
    }

    public var uptime: Double {
        let elapsed = ContinuousClock.now - startedAt
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    var readinessCheckNames: [String] { readinessChecks.map(\.name) }

    /// PostgreSQL answers within a second (the `keelson_database_up` gauge, refreshed on every scrape).
    func databaseReachable() async -> Bool {
        let postgres = self.postgres
        let logger = self.logger
        let answered = try? await withDeadline(.seconds(1)) { () async throws -> Bool in
            try await postgres.read("SELECT 1", logger: logger) { rows in
                for try await _ in rows {}
                return true
            }
        }
        return answered == true
    }

    func healthDetails() async -> [String: String] { await healthDetailsProvider() }

    /// The reason of every failing check, by check name; empty when ready. Checks run concurrently.
    public func readinessFailures() async -> [String: String] {
        await withTaskGroup(of: (String, String?).self) { group in
            for check in readinessChecks {
                group.addTask { (check.name, await check.failureReason()) }
            }
            var failures: [String: String] = [:]
            for await (name, reason) in group {
                if let reason { failures[name] = reason }
            }
            return failures
        }
    }

    /// A router with the shared middleware (metrics, error mapping, then `middleware`) and `/health`, `/ready`,
    /// `/metrics`.
    /// - Parameters:
    ///   - servesLiveness: false for the gateway, whose `/health` reports the whole system.
    ///   - middleware: the service's own, run after the shared ones for every route including 404s.
    public func makeRouter(
        servesLiveness: Bool = true, middleware: [any MiddlewareProtocol<Request, Response, KeelsonRequestContext>] = []
    ) -> Router<KeelsonRequestContext> {
        let router = Router(context: KeelsonRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMappingMiddleware())
        router.add(middleware: MethodNotAllowedMiddleware(table: routeTable))
        for item in middleware { router.add(middleware: item) }
        HealthRoutes(runtime: self).register(on: router, servesLiveness: servesLiveness)
        internalRoutes(on: router).get("v1/info") { _, _ -> ServiceInfo in
            ServiceInfo(service: self.configuration.service.rawValue, version: self.configuration.version, mode: self.configuration.mode.rawValue)
        }
        return router
    }

    /// The `/internal` route group: every route in it requires a valid inter-service token.
    public func internalRoutes(on router: Router<KeelsonRequestContext>) -> RouterGroup<KeelsonRequestContext> {
        router.group("internal").add(middleware: InternalTokenMiddleware(tokens: configuration.internalTokens))
    }

    /// For calls to other Keelson services: a refused connection fails at once, and `ServiceClient`'s retry policy
    /// decides what comes next. (The shared client keeps reconnecting until the request's deadline, so a service
    /// that is down cost three full deadlines before the gateway could say so.) Process-wide, like `.shared`, so it
    /// is never shut down.
    static let serviceCallClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// A client for calling another Keelson service with this process's outgoing token.
    public func client(for service: ServiceIdentity) -> ServiceClient {
        ServiceClient(
            service: service,
            baseURL: configuration.serviceURLs[service],
            token: configuration.internalTokens.outgoing,
            httpClient: Self.serviceCallClient,
            timeout: configuration.requestTimeout,
            logger: logger
        )
    }

    /// The application: the HTTP server plus the database pool, the migration at start-up, and the service's
    /// own background services, all shut down gracefully on SIGTERM/SIGINT.
    public func makeApplication(router: Router<KeelsonRequestContext>, services: [any Service] = []) -> some ApplicationProtocol {
        routeTable.record(router)
        return Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: configuration.service.executableName
            ),
            services: ([
                BoundedStopService(base: postgres, limit: .seconds(3), logger: logger),
                MigrationService(client: postgres, schema: schema, logger: logger),
            ] + services).map {
                TracedService(base: $0, work: metrics.runningWork)
            },
            onServerRunning: { [logger] channel in
                // At notice, above the info noise: with `--port 0` this line is the only place the port is told.
                logger.notice("listening", metadata: ["port": "\(channel.localAddress?.port ?? -1)"])
            },
            logger: logger
        )
    }
}

public struct ServiceInfo: ResponseCodable, Sendable {
    public var service: String
    public var version: String
    public var mode: String
}
