import Foundation
import GatewayService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import NIOCore
import PostgresNIO

/// A gateway in front of real services: the engine, the collector (replaying the sample data) and the signal
/// service run as processes on a fresh database; the gateway runs in this process on a real socket, with one
/// API key per role.
struct GatewayHarness {
    let database: DatabaseURL
    private let postgresClient: PostgresClient?
    let audit: any AuditLog
    let services: [ServiceIdentity: ServiceProcess]
    let keys: [APIRole: (id: String, secret: String)]
    let client: any TestClientProtocol

    var postgres: PostgresClient {
        get throws(TestSetupError) {
            guard let postgresClient else { throw TestSetupError("this gateway keeps its keys and audit in memory; use GatewayHarness.run") }
            return postgresClient
        }
    }

    static let fastSettings: GatewaySettings = {
        var settings = GatewaySettings()
        settings.healthInterval = .milliseconds(200)
        settings.checkTimeout = .seconds(5)
        settings.authFailureLimit = 5
        return settings
    }()

    /// - Parameter services: which services run as processes; the others' URLs point at a closed port.
    static func run(
        services running: [ServiceIdentity] = [.engine, .marketdata, .signals],
        settings: GatewaySettings = fastSettings,
        requestTimeout: Duration = .seconds(2),
        _ body: @Sendable (GatewayHarness) async throws -> Void
    ) async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            var processes: [ServiceIdentity: ServiceProcess] = [:]
            let environments: [ServiceIdentity: [String: String]] = [
                .engine: ["KEELSON_SYMBOLS": "BTCUSDT", "KEELSON_ENGINE_POLL_MS": "200"],
                .marketdata: ["KEELSON_CANDLE_SUBSCRIBERS": "none", "KEELSON_REPLAY_SPEED": "max"],
                .signals: [:],
            ]
            do {
                for service in running {
                    processes[service] = try await ServiceProcess.start(service, database: url, environment: environments[service] ?? [:])
                }
                for process in processes.values { try await process.waitUntilReady() }
                let store = PostgresAPIKeyStore(client: postgres, logger: TestDatabase.logger)
                var keys: [APIRole: (id: String, secret: String)] = [:]
                for role in APIRole.allCases {
                    let (record, credential) = try await store.create(name: "test-\(role.rawValue)", role: role)
                    keys[role] = (record.id, credential.presentation)
                }
                var configuration = try TestConfiguration.service(.gateway, database: url)
                configuration.requestTimeout = requestTimeout
                // A service not started is at port 9, where nothing listens: a free port picked now could be taken by
                // another test's process by the time the gateway calls it.
                for service in [ServiceIdentity.engine, .marketdata, .signals] {
                    configuration.serviceURLs[service] = processes[service]?.url ?? "http://127.0.0.1:9"
                }
                let app = try buildGatewayApplication(configuration: configuration, settings: settings)
                let frozenKeys = keys
                let frozenProcesses = processes
                try await app.test(.live) { client in
                    try await body(
                        GatewayHarness(
                            database: url, postgresClient: postgres, audit: PostgresAuditLog(client: postgres, logger: TestDatabase.logger),
                            services: frozenProcesses, keys: frozenKeys, client: client))
                }
            } catch {
                for process in processes.values { try? await process.stop() }
                throw error
            }
            for process in processes.values { try? await process.stop() }
        }
    }

    /// The gateway alone, its API keys and audit log in memory and no database or service behind it: for what the
    /// gateway decides itself (authentication, roles, rate limits, its own pages), in a fraction of the time.
    static func inMemory(settings: GatewaySettings = fastSettings, _ body: @Sendable (GatewayHarness) async throws -> Void) async throws {
        let store = InMemoryAPIKeyStore()
        let audit = InMemoryAuditLog()
        var keys: [APIRole: (id: String, secret: String)] = [:]
        for role in APIRole.allCases {
            let (record, credential) = try await store.create(name: "test-\(role.rawValue)", role: role)
            keys[role] = (record.id, credential.presentation)
        }
        let database = TestConfiguration.unreachableDatabase()
        var configuration = try TestConfiguration.service(.gateway, database: database)
        configuration.requestTimeout = .seconds(2)
        for service in [ServiceIdentity.engine, .marketdata, .signals] { configuration.serviceURLs[service] = "http://127.0.0.1:9" }
        let gateway = Gateway(configuration: configuration, settings: settings, keys: store, audit: audit)
        let frozenKeys = keys
        try await Application(router: gateway.router).test(.live) { client in
            try await body(GatewayHarness(database: database, postgresClient: nil, audit: audit, services: [:], keys: frozenKeys, client: client))
        }
    }

    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var text: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:] }
    }

    func request(
        _ method: HTTPRequest.Method, _ uri: String, role: APIRole? = nil, key: String? = nil, body: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let presented = key ?? role.flatMap({ keys[$0]?.secret }) { headers[.authorization] = "Bearer \(presented)" }
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    /// Oldest first.
    func auditRows(action: String? = nil) async throws -> [(keyID: String?, action: String, reason: String?, outcome: String, source: String?)] {
        try await audit.entries(since: nil, limit: 100_000).reversed().filter { entry in action.map { entry.action == $0 } ?? true }.map {
            ($0.actorKeyID, $0.action, $0.reason, $0.outcome, $0.sourceAddress)
        }
    }

    func strings(_ sql: String) async throws -> [String] {
        try await postgres.read(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger) { rows in
            var result: [String] = []
            for try await (value) in rows.decode(String.self) { result.append(value) }
            return result
        }
    }

    func sessionState() async throws -> String? {
        let rows = try await postgres.query("SELECT status FROM trading_sessions ORDER BY id DESC LIMIT 1", logger: TestDatabase.logger)
        for try await (status) in rows.decode(String.self) { return status }
        return nil
    }
}
