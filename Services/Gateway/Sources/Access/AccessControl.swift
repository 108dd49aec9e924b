import Foundation
import HTTPTypes
import Hummingbird
import KeelsonPersistence
import KeelsonServiceKit
import Logging

/// Who may call what: verifies the API key a request carries, checks its role, rate-limits addresses that keep
/// failing, and writes every failure to the audit log. The key's secret is never logged.
struct AccessControl: Sendable {
    let keys: any APIKeyStore
    let audit: any AuditLog
    let limiter: AuthFailureLimiter
    let verified: VerifiedKeyCache
    let logger: Logger

    /// The caller, or a 401/403/429 `APIError`.
    func authenticate(_ request: Request, context: KeelsonRequestContext, requiring role: APIRole) async throws -> APICaller {
        let address = context.sourceAddress
        if let retryAfter = limiter.retryAfter(address) {
            throw APIError.tooManyRequests(
                "too many failed authentications from \(address); wait \(retryAfter) s, then use a valid key", retryAfterSeconds: retryAfter
            )
        }
        guard let presented = Self.presentedKey(request) else {
            throw await failure(
                request, address: address, problem: "missing",
                .unauthorized(
                    "an API key is required: send Authorization: Bearer <key> (create one with `keelson apikey create --name NAME --role viewer`)")
            )
        }
        guard let credential = APIKeyCredential(presented: presented) else {
            throw await failure(
                request, address: address, problem: "malformed",
                .unauthorized("the API key is malformed; keys look like kk_<12 hex digits>_<64 hex digits>"))
        }
        guard let caller = try await verifiedCaller(credential) else {
            throw await failure(
                request, address: address, problem: "invalid", keyID: credential.id,
                .unauthorized("API key \(credential.id) is not valid (unknown, revoked or wrong secret); `keelson apikey list` shows the keys")
            )
        }
        guard caller.role >= role else {
            await write(
                AuditEntry(
                    actorKeyID: caller.keyID, actorName: caller.name, action: "auth.forbidden", reason: nil, outcome: "denied",
                    sourceAddress: address,
                    detail: ["method": request.method.rawValue, "path": request.uri.path, "role": caller.role.rawValue, "required": role.rawValue]
                ))
            throw APIError.forbidden(
                "\(request.method.rawValue) \(request.uri.path) needs the \(role.rawValue) role; key '\(caller.name)' (\(caller.keyID)) is \(caller.role.rawValue)"
            )
        }
        return caller
    }

    private func verifiedCaller(_ credential: APIKeyCredential) async throws -> APICaller? {
        if let caller = verified.caller(for: credential) { return caller }
        guard let caller = try await keys.verify(credential) else { return nil }
        verified.store(caller, for: credential)
        return caller
    }

    /// `Authorization: Bearer <key>` or `X-API-Key: <key>`.
    static func presentedKey(_ request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return parts[1].trimmingCharacters(in: .whitespaces) }
            return header.trimmingCharacters(in: .whitespaces)
        }
        if let name = HTTPField.Name("X-API-Key"), let header = request.headers[name] {
            return header.trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    private func failure(_ request: Request, address: String, problem: String, keyID: String? = nil, _ error: APIError) async -> APIError {
        let reachedLimit = limiter.recordFailure(address)
        await write(
            AuditEntry(
                actorKeyID: keyID, actorName: nil, action: "auth.failure", reason: nil, outcome: "denied", sourceAddress: address,
                detail: ["method": request.method.rawValue, "path": request.uri.path, "problem": problem]
            ))
        if reachedLimit {
            logger.warning(
                "address rate-limited after repeated authentication failures", metadata: ["address": "\(address)", "limit": "\(limiter.limit)"])
            await write(
                AuditEntry(
                    actorKeyID: nil, actorName: nil, action: "auth.rate_limited", reason: nil, outcome: "denied", sourceAddress: address,
                    detail: ["failures": String(limiter.limit), "window_seconds": String(limiter.window.components.seconds)]
                ))
        }
        return error
    }

    /// An audit row that cannot be written must not turn a refusal into a 500; it is logged instead.
    func write(_ entry: AuditEntry) async {
        do {
            try await audit.record(entry)
        } catch {
            logger.error("audit row not written", metadata: ["action": "\(entry.action)", "outcome": "\(entry.outcome)", "error": "\(error)"])
        }
    }
}

/// Guards a route group: the request needs a valid key of at least `role`; the caller is put in the context.
struct RequireRole: RouterMiddleware {
    typealias Context = KeelsonRequestContext
    let role: APIRole
    let access: AccessControl

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let caller = try await access.authenticate(request, context: context, requiring: role)
        context.caller = caller
        context.principal = caller.name
        return try await next(request, context)
    }
}
