import Foundation
import Hummingbird
import KeelsonContracts
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonStrategies
import NIOCore

/// Operator and admin actions. Each needs a reason, is forwarded to the service that acts with the
/// inter-service token, answers with that service's result, and writes exactly one audit row.
struct AdminRoutes {
    let access: AccessControl
    let engine: ServiceClient
    let marketdata: ServiceClient
    let signals: ServiceClient
    let monitor: HealthMonitor
    let readCache: ReadCache?

    /// Trading controls: gateway name → (role needed, engine control, audit action).
    static let tradingActions: [(name: String, role: APIRole, engineControl: String)] = [
        ("enable", .operator, "resume"),
        ("disable", .operator, "halt"),
        ("stop-entries", .operator, "stop-entries"),
        ("close-all-positions", .admin, "close-all"),
    ]

    struct AuditList: ResponseEncodable { var entries: [AuditEntry] }

    var breakerResets: BreakerResets { BreakerResets(owners: [(.marketdata, marketdata), (.engine, engine)]) }

    private struct ControlReply: Decodable {
        var state: String?
        var changed: Bool?
        var detail: String?
    }

    func register(operatorGroup: RouterGroup<KeelsonRequestContext>, adminGroup: RouterGroup<KeelsonRequestContext>) {
        for action in Self.tradingActions {
            let group = action.role == .admin ? adminGroup : operatorGroup
            group.post("api/v1/admin/trading/\(action.name)") { request, context -> Response in
                let reason = try await Self.reason(request, context: context, action: action.name)
                return try await forward(
                    "trading.\(action.name)", reason: reason, to: engine, path: InternalRoute.tradingControl(action.engineControl).path,
                    body: ControlRequest(reason: reason), context: context
                )
            }
        }
        operatorGroup.post("api/v1/admin/maintenance") { request, context -> Response in
            let body = try await request.decode(as: MaintenanceRequest.self, context: context)
            guard let enabled = body.enabled else {
                throw APIError.badRequest("enabled is required: {\"enabled\": true, \"reason\": \"…\"} turns maintenance on, false turns it off")
            }
            let reason = try Self.required(body.reason, action: "maintenance")
            return try await forward(
                enabled ? "maintenance.on" : "maintenance.off", reason: reason, to: engine, path: InternalRoute.maintenance.path,
                body: MaintenanceRequest(enabled: enabled, reason: reason), context: context
            )
        }
        for action in StrategyLifecycleAction.allCases {
            operatorGroup.post("api/v1/admin/strategies/:id/\(action.rawValue)") { request, context -> Response in
                let id = try context.parameters.require("id")
                guard StrategyInstanceID.isValid(id) else {
                    throw APIError.badRequest("'\(id)' is not a strategy instance id; ids are \(StrategyInstanceID.rule)")
                }
                let reason = try await Self.reason(request, context: context, action: action.rawValue)
                return try await forward(
                    "strategies.\(action.rawValue)", reason: reason, to: signals, path: InternalRoute.strategyLifecycle(id).path,
                    body: StrategyLifecycleRequest(action: action.rawValue, reason: reason, actor: context.caller?.name), context: context,
                    detail: ["strategy": id]
                )
            }
        }
        adminGroup.post("api/v1/admin/circuit-breakers/reset") { request, context -> BreakerResets.Outcome in
            let body = try await request.decode(as: BreakerResetRequest.self, context: context)
            let reason = try Self.required(body.reason, action: "circuit-breakers/reset")
            var entry = AuditEntry(
                actorKeyID: context.caller?.keyID, actorName: context.caller?.name, action: "circuit_breakers.reset", reason: reason,
                outcome: "failed", sourceAddress: context.sourceAddress, detail: body.name.map { ["breaker": $0] } ?? [:]
            )
            do throws(APIError) {
                let outcome = try await breakerResets.reset(BreakerResetRequest(reason: reason, probe: body.probe, name: body.name))
                entry.outcome = outcome.unreachable.isEmpty ? "ok" : "failed"
                entry.detail["breakers"] = outcome.breakers.map { "\($0.service)/\($0.name): \($0.before) → \($0.after)" }.joined(separator: "; ")
                for (service, why) in outcome.unreachable { entry.detail["unreachable.\(service)"] = why }
                await access.write(entry)
                await monitor.invalidate()
                return outcome
            } catch {
                entry.outcome = "refused"
                entry.detail["error"] = error.detail
                await access.write(entry)
                throw error
            }
        }
        adminGroup.get("api/v1/admin/audit") { request, _ -> AuditList in
            let query = QueryReader(request)
            let since = try query.date("since")
            let limit = try query.integer("limit", default: 100, range: 1...1000)
            return AuditList(entries: try await access.audit.entries(since: since, limit: limit))
        }
    }

    static func reason(_ request: Request, context: KeelsonRequestContext, action: String) async throws -> String {
        let body = try await request.decode(as: ControlRequest.self, context: context)
        return try required(body.reason, action: action)
    }

    static func required(_ reason: String?, action: String) throws(APIError) -> String {
        try OperatorReason.validated(reason, example: "{\"reason\": \"why you \(action)\"}", recordedIn: "the audit log")
    }

    /// Sends the action and records its outcome: `ok` or `unchanged` (the service's `changed`), `refused` (4xx),
    /// `failed` (5xx or no answer). The service's answer goes back to the caller as it is.
    private func forward(
        _ action: String, reason: String, to client: ServiceClient, path: String, body: some Encodable, context: KeelsonRequestContext,
        detail: [String: String] = [:]
    ) async throws -> Response {
        let caller = context.caller
        var entry = AuditEntry(
            actorKeyID: caller?.keyID, actorName: caller?.name, action: action, reason: reason, outcome: "failed",
            sourceAddress: context.sourceAddress, detail: detail
        )
        let payload = try JSONCoding.encoder.encode(body)
        let reply: ServiceClient.RawResponse
        do {
            // Every control is idempotent (it sets a state), so a retry after a lost answer cannot act twice.
            reply = try await client.send(.POST, path, body: ByteBuffer(bytes: payload), idempotent: true)
        } catch {
            entry.detail["error"] = String(describing: error)
            await access.write(entry)
            throw error
        }
        let parsed = try? JSONCoding.decoder.decode(ControlReply.self, from: reply.body)
        switch reply.status {
        case 200..<300: entry.outcome = parsed?.changed == false ? "unchanged" : "ok"
        case 400..<500: entry.outcome = "refused"
        default: entry.outcome = "failed"
        }
        entry.detail["status"] = String(reply.status)
        if let state = parsed?.state { entry.detail["state"] = state }
        if let detail = parsed?.detail { entry.detail["detail"] = detail }
        if reply.status >= 300 { entry.detail["answer"] = String(String(buffer: reply.body).prefix(500)) }
        await access.write(entry)
        await monitor.invalidate()
        readCache?.removeAll()
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: reply.body)
        )
    }
}
