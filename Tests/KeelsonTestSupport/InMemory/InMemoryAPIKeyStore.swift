import Foundation
import KeelsonPersistence

/// The `api_keys` table in memory, with the PostgreSQL store's rules: names validated alike, only the secret's hash
/// kept, a revoked key stays revoked and never verifies. For gateway router tests that need no database.
public actor InMemoryAPIKeyStore: APIKeyStore {
    private var records: [APIKeyRecord] = []
    private var hashes: [String: String] = [:]

    public init() {}

    public func create(name: String, role: APIRole) async throws -> (record: APIKeyRecord, credential: APIKeyCredential) {
        let name = try Self.validatedName(name)
        let credential = APIKeyCredential.generate()
        let record = APIKeyRecord(id: credential.id, name: name, role: role, createdAt: .now)
        records.append(record)
        hashes[credential.id] = credential.secretHash
        return (record, credential)
    }

    public func list() async throws -> [APIKeyRecord] { records }

    public func revoke(id: String) async throws -> APIKeyRecord {
        guard let index = records.firstIndex(where: { $0.id == id.lowercased() }) else { throw APIKeyStoreError.unknownKey(id) }
        records[index].revokedAt = records[index].revokedAt ?? .now
        return records[index]
    }

    public func verify(_ credential: APIKeyCredential) async throws -> APICaller? {
        guard let index = records.firstIndex(where: { $0.id == credential.id && $0.revokedAt == nil }),
            let hash = hashes[credential.id], credential.matches(storedHash: hash)
        else { return nil }
        records[index].lastUsedAt = .now
        return APICaller(keyID: credential.id, name: records[index].name, role: records[index].role)
    }

    public func register(_ credential: APIKeyCredential, name: String, role: APIRole) async throws -> Bool {
        let name = try Self.validatedName(name)
        guard hashes[credential.id] == nil else { return false }
        records.append(APIKeyRecord(id: credential.id, name: name, role: role, createdAt: .now))
        hashes[credential.id] = credential.secretHash
        return true
    }
}
