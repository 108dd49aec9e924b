import Foundation
import KeelsonContracts
import KeelsonServiceKit
import NIOCore

/// What the watchdog can do to the system; each call says whether it worked and, in words, what happened.
protocol WatchdogActuator: Sendable {
    func probeBreaker(service: String, breaker: String) async -> (worked: Bool, result: String)
    func catchUpMarketData() async -> (worked: Bool, result: String)
    func maintenance(on: Bool, reason: String) async -> (worked: Bool, result: String)
}

/// The real one: the services' internal endpoints, with the inter-service token.
struct ServiceWatchdogActuator: WatchdogActuator {
    let breakers: BreakerResets
    let engine: ServiceClient
    let marketdata: ServiceClient

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

    func catchUpMarketData() async -> (worked: Bool, result: String) {
        struct Reply: Decodable {
            var continuous: Bool
            var gapsBefore: Int
            var gapsAfter: Int
            enum CodingKeys: String, CodingKey {
                case continuous
                case gapsBefore = "gaps_before"
                case gapsAfter = "gaps_after"
            }
        }
        do {
            let reply = try await marketdata.send(.POST, InternalRoute.marketDataCatchUp.path, body: nil, idempotent: true)
            guard reply.status == 200, let body = try? JSONCoding.decoder.decode(Reply.self, from: reply.body) else {
                return (false, "keelson-marketdata answered \(reply.status): \(String(buffer: reply.body).prefix(200))")
            }
            guard body.continuous else { return (false, "a replayed file: nothing to fetch") }
            return (
                body.gapsAfter == 0,
                "fetched up to now; \(body.gapsBefore) gap\(body.gapsBefore == 1 ? "" : "s") before, \(body.gapsAfter) left"
            )
        } catch let error as ServiceClientError {
            return (false, error.detail)
        } catch {
            return (false, String(describing: error))
        }
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
