import Hummingbird
import KeelsonPersistence
import KeelsonServiceKit

/// API keys for admins: list, create (the only time the secret is shown), revoke. Each change is audited. And, for any
/// key, whom it belongs to.
struct APIKeyRoutes {
    let access: AccessControl

    struct CreateRequest: Decodable {
        var name: String?
        var role: String?
    }

    struct KeyList: ResponseEncodable { var keys: [APIKeyRecord] }

    struct Revoked: ResponseEncodable { var key: APIKeyRecord }

    struct Created: ResponseEncodable {
        var key: APIKeyRecord
        /// The full key: shown here once, stored nowhere.
        var secret: String
    }

    /// Who the presented key belongs to: the dashboard's sign-in, which decides the controls it shows.
    struct Caller: ResponseEncodable {
        var keyID: String
        var name: String
        var role: String
        enum CodingKeys: String, CodingKey { case name, role; case keyID = "key_id" }
    }

    func register(viewer: RouterGroup<KeelsonRequestContext>, adminGroup: RouterGroup<KeelsonRequestContext>) {
        viewer.get("api/v1/whoami") { _, context -> Caller in
            guard let caller = context.caller else { throw APIError.unauthorized("an API key is required") }
            return Caller(keyID: caller.keyID, name: caller.name, role: caller.role.rawValue)
        }
        adminGroup.get("api/v1/admin/api-keys") { _, _ -> KeyList in
            KeyList(keys: try await access.keys.list())
        }
        adminGroup.post("api/v1/admin/api-keys") { request, context -> Response in
            let body = try await request.decode(as: CreateRequest.self, context: context)
            guard let name = body.name else { throw APIError.badRequest("name is required: {\"name\": \"grafana\", \"role\": \"viewer\"}") }
            guard let roleText = body.role else { throw APIError.badRequest("role is required: viewer, operator or admin") }
            let role = try APIRole.parse(roleText)
            let (record, credential) = try await access.keys.create(name: name, role: role)
            await access.write(
                AuditEntry(
                    actorKeyID: context.caller?.keyID, actorName: context.caller?.name, action: "apikey.create", reason: nil, outcome: "ok",
                    sourceAddress: context.sourceAddress, detail: ["key_id": record.id, "name": record.name, "role": record.role.rawValue]
                ))
            var response = try Created(key: record, secret: credential.presentation).response(from: request, context: context)
            response.status = .created
            return response
        }
        adminGroup.delete("api/v1/admin/api-keys/:id") { _, context -> Revoked in
            let id = try context.parameters.require("id")
            let record = try await access.keys.revoke(id: id)
            access.verified.forget(keyID: record.id)
            await access.write(
                AuditEntry(
                    actorKeyID: context.caller?.keyID, actorName: context.caller?.name, action: "apikey.revoke", reason: nil, outcome: "ok",
                    sourceAddress: context.sourceAddress, detail: ["key_id": record.id, "name": record.name]
                ))
            return Revoked(key: record)
        }
    }
}
