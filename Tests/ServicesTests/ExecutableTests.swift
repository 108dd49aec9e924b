import AsyncHTTPClient
import Foundation
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import Testing

/// The real executables as separate processes: bad configuration, graceful shutdown, and the CLI.
@Suite("Executables")
struct ExecutableTests {
    func environment(database: DatabaseURL, port: Int) -> [String: String] {
        [
            "DATABASE_URL": database.connectionString,
            "KEELSON_INTERNAL_TOKENS": TestConfiguration.tokens.joined(separator: ","),
            "KEELSON_PORT": String(port),
            "LOG_FORMAT": "json",
        ]
    }

    @Test(arguments: [
        ("KEELSON_PORT", "abc", "KEELSON_PORT: 'abc' is not a port"),
        ("DATABASE_URL", "postgres://nohost", "DATABASE_URL: cannot be parsed"),
        ("KEELSON_INTERNAL_TOKENS", "x", "KEELSON_INTERNAL_TOKENS: token 1 is shorter"),
    ])
    func badConfigurationExitsWithOneLine(variable: String, value: String, expected: String) async throws {
        var environment = environment(database: try TestDatabase.serverURL(), port: FreePort.next())
        environment[variable] = value
        for service in ServiceIdentity.allCases {
            let result = try await ChildProcess.run(service.executableName, [], environment: environment, timeout: .seconds(20))
            #expect(result.exitCode == 2)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, Comment(rawValue: String(describing: result.stderr)))
            #expect(
                lines.first?.hasPrefix("\(service.executableName): configuration error: \(expected)") == true,
                Comment(rawValue: String(describing: result.stderr)))
        }
    }

    @Test("a bad flag is refused by the argument parser with a non-zero exit")
    func badFlag() async throws {
        let result = try await ChildProcess.run(
            "keelson-gateway", ["--port", "abc"], environment: environment(database: try TestDatabase.serverURL(), port: 0))
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("--port: 'abc' is not a port"))
    }

    @Test("a service started as a process serves /health and exits 0 on SIGTERM")
    func gracefulShutdown() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let port = FreePort.next()
            let child = try ChildProcess("keelson-engine", environment: environment(database: url, port: port))
            var ready = false
            for _ in 0..<300 where !ready {
                if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/ready"), timeout: .seconds(2))
                {
                    ready = response.status == .ok
                    _ = try? await response.body.collect(upTo: 1 << 16)
                }
                if !ready { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(ready, Comment(rawValue: String(describing: child.output().stdout)))
            child.signal(SIGTERM)
            let result = try await child.wait(timeout: .seconds(15))
            #expect(result.exitCode == 0, Comment(rawValue: String(describing: result.stderr)))
            #expect(result.stdout.contains(#""message":"stopped""#))
            #expect(!result.stdout.contains(TestConfiguration.tokens[0]), "tokens must never be logged")
        }
    }

    @Test("keelson db verify: ✔ on a migrated database, ✘ lines and exit 1 on an empty one")
    func dbVerify() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let empty = try await ChildProcess.run("keelson", ["db", "verify"], environment: ["DATABASE_URL": url.connectionString])
            #expect(empty.exitCode == 1)
            #expect(empty.stdout.contains("✔ connect"))
            #expect(empty.stdout.contains("✘ schema version: none applied"))
            #expect(empty.stdout.contains("✘ table orders is missing"))

            let migrate = try await ChildProcess.run("keelson", ["db", "migrate", "up"], environment: ["DATABASE_URL": url.connectionString])
            #expect(migrate.exitCode == 0, Comment(rawValue: String(describing: migrate.stderr)))
            #expect(migrate.stdout.contains("applied 0001 market_data"))

            let verified = try await ChildProcess.run("keelson", ["db", "verify"], environment: ["DATABASE_URL": url.connectionString])
            #expect(verified.exitCode == 0, Comment(rawValue: String(describing: verified.stdout)))
            #expect(!verified.stdout.contains("✘"))
            #expect(verified.stdout.contains("✔ table audit_log"))
        }
    }

    @Test("keelson db migrate down --to, --dry-run, and db query")
    func migrateAndQuery() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let env = ["DATABASE_URL": url.connectionString]
            let value1 = try await ChildProcess.run("keelson", ["db", "migrate", "up", "--to", "2"], environment: env).exitCode
            #expect(value1 == 0)
            let dry = try await ChildProcess.run("keelson", ["db", "migrate", "up", "--dry-run"], environment: env)
            #expect(dry.stdout.contains("would apply 0003 operations"))
            #expect(dry.stdout.contains("schema version: 2"))

            let query = try await ChildProcess.run(
                "keelson", ["db", "query", "SELECT version, name FROM schema_migrations ORDER BY version"], environment: env)
            #expect(query.exitCode == 0)
            #expect(query.stdout.contains("1        market_data"))
            #expect(query.stdout.contains("(2 rows)"))

            let write = try await ChildProcess.run("keelson", ["db", "query", "DELETE FROM schema_migrations"], environment: env)
            #expect(write.exitCode == 1)
            #expect(write.stderr.hasPrefix("keelson: only read queries run here"))

            let down = try await ChildProcess.run("keelson", ["db", "migrate", "down", "--to", "0"], environment: env)
            #expect(down.exitCode == 0)
            #expect(down.stdout.contains("reverted 0002 trading"))
            #expect(down.stdout.contains("schema version: 0"))
        }
    }

    @Test("the CLI says clearly when the database is unreachable")
    func unreachableDatabase() async throws {
        let result = try await ChildProcess.run(
            "keelson", ["db", "verify"], environment: ["DATABASE_URL": TestConfiguration.unreachableDatabase().connectionString])
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("✘ connect: cannot reach the database"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("keelson health --direct: one line per service, exit 1 when any is down")
    func status() async throws {
        let closed = "http://127.0.0.1:\(FreePort.next())"
        let env = ["KEELSON_GATEWAY_URL": closed, "KEELSON_ENGINE_URL": closed, "KEELSON_MARKETDATA_URL": closed, "KEELSON_SIGNALS_URL": closed]
        let result = try await ChildProcess.run("keelson", ["health", "--direct"], environment: env)
        #expect(result.exitCode == 1)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.allSatisfy { $0.hasPrefix("✘") && $0.contains("unreachable") })
    }

    @Test("keelson secrets generate prints fresh tokens the services accept")
    func secrets() async throws {
        let result = try await ChildProcess.run("keelson", ["secrets", "generate"])
        let token = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("KEELSON_INTERNAL_TOKENS=") }?.split(separator: "=").last)
        #expect(try InternalTokens([String(token)]).accepts(String(token)))
    }
}
