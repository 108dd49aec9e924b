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
    let postgres: PostgresClient
    let services: [ServiceIdentity: ServiceProcess]
    let keys: [APIRole: (id: String, secret: String)]
    let client: any TestClientProtocol

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
                    try await body(GatewayHarness(database: url, postgres: postgres, services: frozenProcesses, keys: frozenKeys, client: client))
                }
            } catch {
                for process in processes.values { try? await process.stop() }
                throw error
            }
            for process in processes.values { try? await process.stop() }
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

    func auditRows(action: String? = nil) async throws -> [(keyID: String?, action: String, reason: String?, outcome: String, source: String?)] {
        let rows = try await postgres.query(
            "SELECT actor_key_id, action, reason, outcome, source_address FROM audit_log WHERE \(action)::text IS NULL OR action = \(action) ORDER BY id",
            logger: TestDatabase.logger
        )
        var result: [(keyID: String?, action: String, reason: String?, outcome: String, source: String?)] = []
        for try await row in rows.decode((String?, String, String?, String, String?).self) { result.append(row) }
        return result
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
