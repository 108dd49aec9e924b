import Hummingbird
import KeelsonNotifications
import KeelsonPersistence
import KeelsonServiceKit
import Logging
import ServiceLifecycle

/// `keelson-gateway`: the public REST API for dashboards and operators — system health, the dashboard reads
/// served by the services that own the data, and admin actions behind API keys with roles and an audit log.
public struct Gateway {
    public let runtime: ServiceRuntime
    public let router: Router<KeelsonRequestContext>
    let monitor: HealthMonitor
    let backgroundServices: [any Service]

    /// - Parameters:
    ///   - keys: where API keys are kept; the database when nil (tests pass an in-memory store).
    ///   - audit: where admin actions and refusals are recorded; the database when nil.
    public init(
        configuration: ServiceConfiguration, settings: GatewaySettings, keys: (any APIKeyStore)? = nil, audit: (any AuditLog)? = nil,
        metrics: ServiceMetrics? = nil, logger: Logger? = nil
    ) {
        let runtime = ServiceRuntime(configuration: configuration, logger: logger, metrics: metrics)
        let keys = keys ?? PostgresAPIKeyStore(client: runtime.postgres, logger: runtime.logger)
        let access = AccessControl(
            keys: keys,
            audit: audit ?? PostgresAuditLog(client: runtime.postgres, logger: runtime.logger),
            limiter: AuthFailureLimiter(limit: settings.authFailureLimit, window: settings.authFailureWindow),
            verified: VerifiedKeyCache(lifetime: settings.keyCacheLifetime),
            logger: runtime.logger
        )
        let probe = SystemProbe(runtime: runtime, settings: settings)
        let monitor = HealthMonitor(probe: probe, interval: settings.healthInterval)
        let router = runtime.makeRouter(
            servesLiveness: false,
            middleware: [BrowserSecurityHeaders()] + (settings.corsOrigins.isEmpty ? [] : [CORSPolicy(origins: settings.corsOrigins)]))
        let viewer = router.group().add(middleware: RequireRole(role: .viewer, access: access))
        let operatorGroup = router.group().add(middleware: RequireRole(role: .operator, access: access))
        let adminGroup = router.group().add(middleware: RequireRole(role: .admin, access: access))

        OpenAPIRoute().register(router: router)
        DashboardRoutes().register(router: router)
        StatusRoutes(runtime: runtime, monitor: monitor, settings: settings, strategies: probe.client(for: .signals))
            .register(router: router, viewer: viewer)
        let clients = Dictionary(uniqueKeysWithValues: [ServiceIdentity.engine, .marketdata, .signals].map { ($0, runtime.client(for: $0)) })
        let readCache = settings.readCacheLifetime > .zero ? ReadCache(lifetime: settings.readCacheLifetime) : nil
        ReadRoutes(proxy: UpstreamProxy(clients: clients, cache: readCache)).register(viewer: viewer)
        let admin = AdminRoutes(
            access: access, engine: runtime.client(for: .engine), marketdata: runtime.client(for: .marketdata),
            signals: runtime.client(for: .signals), monitor: monitor, readCache: readCache
        )
        admin.register(operatorGroup: operatorGroup, adminGroup: adminGroup)
        let watchdogEvents = PostgresWatchdogEventLog(client: runtime.postgres, logger: runtime.logger)
        let lock = WatchdogLock(postgres: runtime.postgres, logger: runtime.logger)
        let watchdog = Watchdog(
            look: { [healthInterval = settings.healthInterval] in await monitor.current(maxAge: healthInterval) }, settings: settings.watchdog,
            events: watchdogEvents, actuator: ServiceWatchdogActuator(
                breakers: admin.breakerResets, engine: runtime.client(for: .engine), marketdata: runtime.client(for: .marketdata)),
            exclusively: { await lock.exclusively($0) }, metrics: WatchdogMetrics(runtime.metrics), logger: runtime.logger)
        WatchdogRoutes(watchdog: watchdog, events: watchdogEvents, settings: settings.watchdog).register(viewer: viewer)
        APIKeyRoutes(access: access).register(viewer: viewer, adminGroup: adminGroup)
        AlertRoutes(
            alertmanager: settings.alertmanagerURL, httpClient: runtime.httpClient, engine: runtime.client(for: .engine),
            timeout: settings.checkTimeout
        ).register(viewer: viewer)

        self.runtime = runtime
        self.router = router
        self.monitor = monitor
        let dispatcher = NotificationDispatcher(
            outbox: PostgresNotificationOutbox(client: runtime.postgres, logger: runtime.logger), settings: settings.notifications,
            logger: runtime.logger, observe: NotificationMetrics(runtime.metrics).record)
        self.backgroundServices =
            [monitor, dispatcher, watchdog]
            + (settings.bootstrapAdminKey.map {
                [BootstrapAdminKey(credential: $0, keys: keys, schema: runtime.schema, logger: runtime.logger)]
            } ?? [])
    }

    public func application() -> some ApplicationProtocol {
        runtime.makeApplication(router: router, services: backgroundServices)
    }
}

/// Builds `keelson-gateway`; `settings` default to the environment (`GatewaySettings.load`).
public func buildGatewayApplication(
    configuration: ServiceConfiguration,
    settings: GatewaySettings? = nil,
    metrics: ServiceMetrics? = nil,
    logger: Logger? = nil
) throws(ConfigurationError) -> some ApplicationProtocol {
    let settings = if let settings { settings } else { try GatewaySettings.load() }
    return Gateway(configuration: configuration, settings: settings, metrics: metrics, logger: logger).application()
}
