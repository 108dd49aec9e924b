import Foundation
import Logging
import PostgresNIO

/// An API key as listed: never its secret.
public struct APIKeyRecord: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var role: APIRole
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(id: String, name: String, role: APIRole, createdAt: Date, lastUsedAt: Date? = nil, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case revokedAt = "revoked_at"
    }
}

/// Why an API key cannot be created or revoked.
public enum APIKeyStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidName(String)
    case unknownKey(String)

    public var description: String {
        switch self {
        case .invalidName(let name): "key name '\(name)' is not allowed; use 1 to 64 letters, digits, '.', '-', '_' or spaces"
        case .unknownKey(let id): "no API key with id \(id); `keelson apikey list` shows the ids"
        }
    }
}

/// The `api_keys` table.
public protocol APIKeyStore: Sendable {
    /// A new key; its secret exists only in the returned credential.
    func create(name: String, role: APIRole) async throws -> (record: APIKeyRecord, credential: APIKeyCredential)
    func list() async throws -> [APIKeyRecord]
    /// Revokes a key at once; revoking a revoked key changes nothing and returns it as it is.
    func revoke(id: String) async throws -> APIKeyRecord
    /// The caller a presented key belongs to; nil when the key is unknown, revoked or its secret is wrong.
    func verify(_ credential: APIKeyCredential) async throws -> APICaller?
    /// Adds a key whose secret was made elsewhere (a deployment's bootstrap admin key) unless its id exists;
    /// true when added. A key that was revoked stays revoked.
    func register(_ credential: APIKeyCredential, name: String, role: APIRole) async throws -> Bool
}

extension APIKeyStore {
    /// The name trimmed, or why it is refused: every store keeps the same names.
    public static func validatedName(_ name: String) throws(APIKeyStoreError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-_ "))
        guard (1...64).contains(trimmed.count), trimmed.unicodeScalars.allSatisfy(allowed.contains) else {
            throw .invalidName(name)
        }
        return trimmed
    }
}

public struct PostgresAPIKeyStore: APIKeyStore {
    let client: PostgresClient
    let logger: Logger
    /// How stale `last_used_at` may get before a use writes it again, so a busy key is not a write per request.
    static let lastUsedResolution: TimeInterval = 60

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func create(name: String, role: APIRole) async throws -> (record: APIKeyRecord, credential: APIKeyCredential) {
        let name = try Self.validatedName(name)
        let credential = APIKeyCredential.generate()
        return try await client.read(
            """
            INSERT INTO api_keys (id, name, role, secret_hash) VALUES (\(credential.id), \(name), \(role.rawValue), \(credential.secretHash))
            RETURNING id, name, role, created_at, last_used_at, revoked_at
            """, logger: logger
        ) { rows in
            guard let record = try await Self.records(rows).first else { throw APIKeyStoreError.unknownKey(credential.id) }
            return (record, credential)
        }
    }

    public func list() async throws -> [APIKeyRecord] {
        try await client.read("SELECT id, name, role, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at, id", logger: logger) {
            try await Self.records($0)
        }
    }

    public func revoke(id: String) async throws -> APIKeyRecord {
        return try await client.read(
            """
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = \(id.lowercased())
            RETURNING id, name, role, created_at, last_used_at, revoked_at
            """, logger: logger
        ) { rows in
            guard let record = try await Self.records(rows).first else { throw APIKeyStoreError.unknownKey(id) }
            return record
        }
    }

    public func verify(_ credential: APIKeyCredential) async throws -> APICaller? {
        // Every authenticated request comes through here, so it reads through `read` (see `PostgresClient.transaction`).
        let found = try await client.read(
            "SELECT name, role, secret_hash, last_used_at FROM api_keys WHERE id = \(credential.id) AND revoked_at IS NULL", logger: logger
        ) { rows in
            var found: (name: String, role: String, hash: String, lastUsed: Date?)?
            for try await row in rows.decode((String, String, String, Date?).self) { found = row }
            return found
        }
        guard let found, credential.matches(storedHash: found.hash), let role = APIRole(rawValue: found.role) else { return nil }
        if (found.lastUsed.map { Date.now.timeIntervalSince($0) } ?? .infinity) > Self.lastUsedResolution {
            try await client.read("UPDATE api_keys SET last_used_at = now() WHERE id = \(credential.id)", logger: logger) { _ in }
        }
        return APICaller(keyID: credential.id, name: found.name, role: role)
    }

    public func register(_ credential: APIKeyCredential, name: String, role: APIRole) async throws -> Bool {
        let name = try Self.validatedName(name)
        return try await client.read(
            """
            INSERT INTO api_keys (id, name, role, secret_hash) VALUES (\(credential.id), \(name), \(role.rawValue), \(credential.secretHash))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger: logger
        ) { rows in
            for try await _ in rows.decode(String.self) { return true }
            return false
        }
    }

    private static func records(_ rows: PostgresRowSequence) async throws -> [APIKeyRecord] {
        var records: [APIKeyRecord] = []
        for try await (id, name, role, created, lastUsed, revoked) in rows.decode((String, String, String, Date, Date?, Date?).self) {
            records.append(
                APIKeyRecord(
                    id: id, name: name, role: APIRole(rawValue: role) ?? .viewer, createdAt: created, lastUsedAt: lastUsed, revokedAt: revoked))
        }
        return records
    }
}
