import Foundation
import KeelsonContracts
import KeelsonPersistence
import KeelsonServiceKit
import Logging
import PostgresNIO
import Prometheus

/// One look at every part of the system, each with a short deadline so a part that is down makes the check
/// answer promptly with that fact instead of hanging.
struct SystemProbe: Sendable {
    let runtime: ServiceRuntime
    let settings: GatewaySettings
    /// `keelson_backup_last_success_timestamp_seconds`: 0 until a check finds a backup.
    let backupGauge: Gauge
    /// The newest backup's size and duration, the backups of the last 7 days, the newest verified off-site copy.
    let backupSize: Gauge
    let backupDuration: Gauge
    let backupCount: Gauge
    let backupOffsite: Gauge
    /// `keelson_database_size_bytes`, registered at the first check that reaches PostgreSQL: a 0 before it would read
    /// as sudden growth.
    let databaseSize: @Sendable (Double) -> Void

    init(runtime: ServiceRuntime, settings: GatewaySettings) {
        self.runtime = runtime
        self.settings = settings
        self.backupGauge = runtime.metrics.registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "backup_last_success", unitName: "timestamp_seconds",
                helpText: "Unix time of the newest backup `keelson backup create` recorded (0 when none)."
            ))
        backupGauge.set(0.0)
        let registry = runtime.metrics.registry
        func gauge(_ name: String, unit: String = "", _ help: String) -> Gauge {
            let gauge = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "keelson", metricName: name, unitName: unit, helpText: help))
            gauge.set(0.0)
            return gauge
        }
        backupSize = gauge("backup_size", unit: "bytes", "Size of the newest backup's dump (0 when none).")
        backupDuration = gauge("backup_duration", unit: "seconds", "How long the newest backup took (0 when none or not recorded).")
        backupCount = gauge("backup_count", "Backups recorded in the last 7 days.")
        backupOffsite = gauge(
            "backup_offsite_last_success", unit: "timestamp_seconds", "Unix time of the newest off-site copy verified after upload (0 when none).")
        databaseSize = { bytes in
            registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "keelson", metricName: "database_size", unitName: "bytes",
                    helpText: "Size of Keelson's database on disk (pg_database_size), at the gateway's last check."
                )
            ).set(bytes)
        }
    }

    private struct ReadyBody: Decodable { var reason: String? }
    private struct HealthBody: Decodable { var details: [String: String]? }
    private struct ProviderList: Decodable {
        struct Provider: Decodable {
            var provider: String
            var status: String
            var circuit: String
            var lastStoredAt: Date?
            var lastError: String?
            /// Whether the collector takes candles from it now (a backup only while the primary's breaker is open).
            var active: Bool?
            enum CodingKeys: String, CodingKey {
                case provider, status, circuit, active
                case lastStoredAt = "last_stored_at"
                case lastError = "last_error"
            }
        }
        struct Breaker: Decodable { var name: String; var state: String }
        var providers: [Provider]
        /// Every breaker the collector obeys, exchanges' included; absent from collectors before failover.
        var circuitBreakers: [Breaker]?
        enum CodingKeys: String, CodingKey {
            case providers
            case circuitBreakers = "circuit_breakers"
        }
    }

    func client(for service: ServiceIdentity) -> ServiceClient {
        var client = ServiceClient(
            service: service, baseURL: runtime.configuration.serviceURLs[service], token: runtime.configuration.internalTokens.outgoing,
            httpClient: runtime.httpClient, timeout: settings.checkTimeout, logger: runtime.logger
        )
        client.retryPolicy = .none
        return client
    }

    func check(now: @escaping @Sendable () -> Date = { .now }) async -> SystemHealth {
        async let engine = service(.engine)
        async let marketdata = service(.marketdata)
        async let signals = service(.signals)
        async let providers = providers()
        async let engineBreakers = breakers(of: .engine)
        async let database = database()
        let (databaseCheck, trading) = await database
        let services = await [engine, marketdata, signals]
        let providerList = await providers
        let checkedAt = now()
        let marketData = marketDataCheck(providerList, reachable: services[1].reachable, now: checkedAt)
        let collectorBreakers =
            providerList?.circuitBreakers?.map {
                SystemHealth.BreakerCheck(service: ServiceIdentity.marketdata.rawValue, name: $0.name, state: $0.state)
            }
            ?? (providerList?.providers ?? []).map {
                SystemHealth.BreakerCheck(service: ServiceIdentity.marketdata.rawValue, name: "provider:\($0.provider)", state: $0.circuit)
            }
        let breakers = collectorBreakers + (await engineBreakers)
        return SystemHealth.assess(
            services: services, database: databaseCheck, trading: trading, marketData: marketData, circuitBreakers: breakers, checkedAt: checkedAt
        )
    }

    /// `/ready` says reachable and ready (and why not); `/health` adds the role.
    private func service(_ service: ServiceIdentity) async -> SystemHealth.ServiceCheck {
        let client = client(for: service)
        let started = ContinuousClock.now
        async let healthReply = try? client.send(.GET, "/health", body: nil, idempotent: true)
        var check = SystemHealth.ServiceCheck(
            service: service.rawValue, url: client.baseURL, reachable: false, ready: false, role: nil, latencyMs: 0, reason: nil)
        do {
            let ready = try await client.send(.GET, "/ready", body: nil, idempotent: true)
            check.reachable = true
            check.ready = ready.status == 200
            if !check.ready {
                check.reason = (try? JSONCoding.decoder.decode(ReadyBody.self, from: ready.body))?.reason ?? "/ready answered \(ready.status)"
            }
        } catch let error as ServiceClientError {
            check.reason = error.detail
        } catch {
            check.reason = String(describing: error)
        }
        check.latencyMs = (ContinuousClock.now - started).milliseconds
        if let health = await healthReply, health.status == 200 {
            check.role = (try? JSONCoding.decoder.decode(HealthBody.self, from: health.body))?.details?["role"]
        }
        return check
    }

    private func providers() async -> ProviderList? {
        guard let reply = try? await client(for: .marketdata).send(.GET, "/api/v1/providers", body: nil, idempotent: true), reply.status == 200 else {
            return nil
        }
        return try? JSONCoding.decoder.decode(ProviderList.self, from: reply.body)
    }

    /// The breakers a service obeys (the engine's: live mode's exchange breaker); none when it cannot say.
    private func breakers(of service: ServiceIdentity) async -> [SystemHealth.BreakerCheck] {
        struct Body: Decodable {
            struct Breaker: Decodable { var name: String; var state: String }
            var circuitBreakers: [Breaker]
            enum CodingKeys: String, CodingKey { case circuitBreakers = "circuit_breakers" }
        }
        guard let reply = try? await client(for: service).send(.GET, InternalRoute.circuitBreakers.path, body: nil, idempotent: true),
            reply.status == 200, let body = try? JSONCoding.decoder.decode(Body.self, from: reply.body)
        else { return [] }
        return body.circuitBreakers.map { .init(service: service.rawValue, name: $0.name, state: $0.state) }
    }

    private func marketDataCheck(_ list: ProviderList?, reachable: Bool, now: Date) -> SystemHealth.MarketDataCheck {
        // The provider collecting now: the backup while the primary's breaker is open.
        guard let provider = list?.providers.first(where: { $0.active == true }) ?? list?.providers.first else {
            return .init(
                connected: false, provider: nil, providerStatus: nil, ageSeconds: nil, stale: reachable,
                lastError: reachable ? "no provider reported" : nil)
        }
        let age = provider.lastStoredAt.map { now.timeIntervalSince($0) }
        return .init(
            connected: reachable && provider.status != "failing", provider: provider.provider, providerStatus: provider.status, ageSeconds: age,
            stale: (age ?? 0) > settings.marketDataStaleAfter || provider.status == "failing", lastError: provider.lastError
        )
    }

    /// PostgreSQL reachable, its schema version, and the trading session's state, in one query.
    private func database() async -> (SystemHealth.DatabaseCheck, SystemHealth.TradingCheck) {
        let started = ContinuousClock.now
        var trading = SystemHealth.TradingCheck(state: nil, reason: nil, sessionID: nil, maintenance: false, lastTradeTime: nil)
        var lastBackupAt: Date?
        let postgres = runtime.postgres
        let logger = runtime.logger
        let mode = runtime.configuration.mode.rawValue
        do {
            // `read`: on a lease checked to be open, so a probe during an outage cannot leave a query (and its
            // connection) waiting for ever, which would hold up the pool's shutdown.
            let row = try await withDeadline(settings.checkTimeout) {
                try await postgres.read(
                    """
                    SELECT (SELECT max(version) FROM schema_migrations), s.id, s.status, s.status_reason,
                           (SELECT max(exit_time) FROM trades t WHERE t.session_id = s.id), pg_database_size(current_database())
                    FROM (SELECT 1) AS one
                    LEFT JOIN LATERAL (
                        SELECT id, status, status_reason FROM trading_sessions WHERE mode = \(mode) ORDER BY (ended_at IS NULL) DESC, id DESC LIMIT 1
                    ) AS s ON true
                    """, logger: logger
                ) { rows in
                    for try await row in rows.decode((Int?, Int64?, String?, String?, Date?, Int64).self) { return row }
                    return (nil, nil, nil, nil, nil, 0)
                }
            }
            databaseSize(Double(row.5))
            lastBackupAt = try await lastBackup(schemaVersion: row.0)
            trading.sessionID = row.1
            trading.state = row.2
            trading.reason = row.3
            trading.maintenance = row.2 == "halted" && (row.3 ?? "").hasPrefix("maintenance: ")
            trading.lastTradeTime = row.4
            let version = runtime.schema.version ?? row.0
            return (
                .init(
                    reachable: true, schemaVersion: version, latencyMs: (ContinuousClock.now - started).milliseconds, reason: nil,
                    lastBackupAt: lastBackupAt), trading
            )
        } catch {
            let reason = error is TimeoutError ? "no answer within \(settings.checkTimeout)" : DatabaseErrorDescription.describe(error)
            return (
                .init(
                    reachable: false, schemaVersion: nil, latencyMs: (ContinuousClock.now - started).milliseconds, reason: reason, lastBackupAt: nil),
                trading
            )
        }
    }
}

extension SystemProbe {
    /// The newest `keelson backup create`, also exported as `keelson_backup_last_success_timestamp_seconds`
    /// (0 when none) for the stale-backup alert. Asked only of a schema that has the table (migration 6).
    func lastBackup(schemaVersion: Int?) async throws -> Date? {
        guard let version = schemaVersion, version >= 6 else { return nil }
        let postgres = runtime.postgres
        let logger = runtime.logger
        // Migration 18 added the duration and the off-site copy.
        let query: PostgresQuery =
            version >= 18
            ? """
            SELECT max(created_at), (SELECT size_bytes FROM backup_runs ORDER BY created_at DESC LIMIT 1),
                   (SELECT duration_seconds FROM backup_runs ORDER BY created_at DESC LIMIT 1),
                   count(*) FILTER (WHERE created_at > now() - interval '7 days'), max(offsite_verified_at)
            FROM backup_runs
            """
            : """
            SELECT max(created_at), (SELECT size_bytes FROM backup_runs ORDER BY created_at DESC LIMIT 1), NULL::double precision,
                   count(*) FILTER (WHERE created_at > now() - interval '7 days'), NULL::timestamptz
            FROM backup_runs
            """
        let row = try await withDeadline(settings.checkTimeout) {
            try await postgres.read(query, logger: logger) { rows in
                for try await row in rows.decode((Date?, Int64?, Double?, Int64, Date?).self) { return row }
                return (nil, nil, nil, 0, nil)
            }
        }
        backupGauge.set(row.0?.timeIntervalSince1970 ?? 0)
        backupSize.set(Double(row.1 ?? 0))
        backupDuration.set(row.2 ?? 0)
        backupCount.set(Double(row.3))
        backupOffsite.set(row.4?.timeIntervalSince1970 ?? 0)
        return row.0
    }
}
