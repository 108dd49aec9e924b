import ArgumentParser
import Foundation
import KeelsonPersistence
import KeelsonServiceKit

/// `keelson apikey …`: manages the gateway's API keys straight in PostgreSQL, so the first admin key can be
/// made before any key exists. Every change is written to the audit log as done from the CLI.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey",
        abstract: "Create, list and revoke the gateway's API keys (roles: viewer, operator, admin).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    /// Who the audit log says acted: the local user, since the CLI holds no key of its own here.
    static var actor: String { "cli:\(ProcessInfo.processInfo.userName)" }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key; its secret is printed once and stored nowhere (only its hash is)."
        )
        @Option(help: "A name saying who or what uses the key, e.g. grafana or alice.") var name: String
        @Option(help: "viewer (reads), operator (reads, halt/resume/stop-entries, maintenance) or admin (everything).") var role: String
        @Flag(help: "Print JSON for scripts.") var json = false
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingErrors {
                let parsedRole: APIRole
                do { parsedRole = try APIRole.parse(role) } catch {
                    throw CLIError("--role: '\(role)' is not a role; expected viewer, operator or admin")
                }
                let (record, credential) = try await database.withClient { client, _ in
                    let keys = PostgresAPIKeyStore(client: client, logger: CLILogger.quiet)
                    let created: (record: APIKeyRecord, credential: APIKeyCredential)
                    do { created = try await keys.create(name: name, role: parsedRole) } catch let error as APIKeyStoreError {
                        throw CLIError(error.description)
                    }
                    try await PostgresAuditLog(client: client, logger: CLILogger.quiet).record(
                        AuditEntry(
                            actorKeyID: nil, actorName: APIKeyCommand.actor, action: "apikey.create", reason: nil, outcome: "ok",
                            sourceAddress: "local",
                            detail: ["key_id": created.record.id, "name": created.record.name, "role": parsedRole.rawValue]
                        ))
                    return created
                }
                if json {
                    let object: [String: String] = [
                        "id": record.id, "name": record.name, "role": record.role.rawValue, "secret": credential.presentation,
                    ]
                    print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
                } else {
                    print("created API key \(record.id) '\(record.name)' (\(record.role.rawValue)):")
                    print(credential.presentation)
                    print("store it now: it is not shown again. Use it as `Authorization: Bearer <key>` or KEELSON_API_KEY.")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys (never their secrets).")
        @Flag(help: "Print JSON for scripts.") var json = false
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingErrors {
                let keys = try await database.withClient { client, _ in try await PostgresAPIKeyStore(client: client, logger: CLILogger.quiet).list()
                }
                if json {
                    print(String(decoding: try JSONCoding.encoder.encode(keys), as: UTF8.self))
                    return
                }
                let time = Date.ISO8601FormatStyle()
                print(
                    TableFormatter.render(
                        header: ["ID", "NAME", "ROLE", "CREATED", "LAST USED", "REVOKED"],
                        rows: keys.map {
                            [
                                $0.id, $0.name, $0.role.rawValue, $0.createdAt.formatted(time), $0.lastUsedAt?.formatted(time),
                                $0.revokedAt?.formatted(time),
                            ]
                        }
                    ))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key at once (the gateway refuses it from the next request on).")
        @Argument(help: "The key's id, as `keelson apikey list` shows it.") var id: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingErrors {
                let record = try await database.withClient { client, _ in
                    let record: APIKeyRecord
                    do {
                        record = try await PostgresAPIKeyStore(client: client, logger: CLILogger.quiet).revoke(id: id)
                    } catch let error as APIKeyStoreError { throw CLIError(error.description) }
                    try await PostgresAuditLog(client: client, logger: CLILogger.quiet).record(
                        AuditEntry(
                            actorKeyID: nil, actorName: APIKeyCommand.actor, action: "apikey.revoke", reason: nil, outcome: "ok",
                            sourceAddress: "local",
                            detail: ["key_id": record.id, "name": record.name]
                        ))
                    return record
                }
                print("revoked API key \(record.id) '\(record.name)' (\(record.role.rawValue))")
            }
        }
    }
}
