import Foundation
import KeelsonContracts
import KeelsonServiceKit
import NIOCore

/// What the watchdog can do to the system; each call says whether it worked and, in words, what happened.
protocol WatchdogActuator: Sendable {
    func probeBreaker(service: String, breaker: String) async -> (worked: Bool, result: String)
    func maintenance(on: Bool, reason: String) async -> (worked: Bool, result: String)
}

/// The real one: the services' internal endpoints, with the inter-service token.
struct ServiceWatchdogActuator: WatchdogActuator {
    let breakers: BreakerResets
    let engine: ServiceClient

    func probeBreaker(service: String, breaker: String) async -> (worked: Bool, result: String) {
        let outcome: BreakerResets.Outcome
        do {
            outcome = try await breakers.reset(BreakerResetRequest(reason: "watchdog: cool-down over", probe: true, name: breaker))
        } catch {
            return (false, error.detail)
        }
        guard let entry = outcome.breakers.first(where: { $0.service == service && $0.name == breaker }) else {
            return (false, "keelson-\(service) could not be asked: \(outcome.unreachable[service] ?? "it no longer reports the breaker")")
        }
        if entry.after == "closed" { return (true, entry.probed ? "closed: the dependency answered" : "closed already") }
        return (false, "still \(entry.after.replacingOccurrences(of: "_", with: " ")): \(entry.error ?? "still cooling down")")
    }

    func maintenance(on: Bool, reason: String) async -> (worked: Bool, result: String) {
        struct Reply: Decodable { var changed: Bool?; var detail: String? }
        let request = MaintenanceRequest(enabled: on, reason: reason, onlyIfReasonStartsWith: on ? nil : WatchdogAction.reasonPrefix)
        do {
            let payload = ByteBuffer(bytes: try JSONCoding.encoder.encode(request))
            let reply = try await engine.send(.POST, InternalRoute.maintenance.path, body: payload, idempotent: true)
            let body = try? JSONCoding.decoder.decode(Reply.self, from: reply.body)
            let detail = body?.detail ?? "keelson-engine answered \(reply.status)"
            return (reply.status == 200 && body?.changed == true, detail)
        } catch let error as ServiceClientError {
            return (false, error.detail)
        } catch {
            return (false, String(describing: error))
        }
    }
}
