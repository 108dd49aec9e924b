import Foundation
import Hummingbird
import KeelsonContracts
import KeelsonServiceKit
import NIOCore

/// Resets circuit breakers wherever they live — the collector's and the engine's — for an operator
/// (`POST /api/v1/admin/circuit-breakers/reset`, closing at once) and for the watchdog (probing the dependency first).
struct BreakerResets: Sendable {
    /// The services that own breakers: the collector first, then the engine.
    let owners: [(service: ServiceIdentity, client: ServiceClient)]

    struct Entry: Codable, Sendable, Equatable {
        var service: String
        var name: String
        var before: String
        var after: String
        var probed: Bool
        var error: String?
    }

    struct Outcome: ResponseEncodable, Sendable {
        var breakers: [Entry]
        /// Services that could not be asked, with why: their breakers are unchanged.
        var unreachable: [String: String]
    }

    func reset(_ request: BreakerResetRequest) async throws(APIError) -> Outcome {
        let payload = ByteBuffer(bytes: (try? JSONCoding.encoder.encode(request)) ?? Data())
        var outcome = Outcome(breakers: [], unreachable: [:])
        for (service, client) in owners {
            do {
                let reply = try await client.send(.POST, InternalRoute.circuitBreakersReset.path, body: payload, idempotent: true)
                // A named breaker lives in one service; the other answers 404.
                if reply.status == 404, request.name != nil { continue }
                guard reply.status == 200, let list = try? JSONCoding.decoder.decode(BreakerResetList.self, from: reply.body) else {
                    outcome.unreachable[service.rawValue] = "answered \(reply.status)"
                    continue
                }
                outcome.breakers += list.breakers.map {
                    Entry(service: service.rawValue, name: $0.name, before: $0.before, after: $0.after, probed: $0.probed, error: $0.error)
                }
            } catch let error as ServiceClientError {
                outcome.unreachable[service.rawValue] = error.detail
            } catch {
                outcome.unreachable[service.rawValue] = String(describing: error)
            }
        }
        if let name = request.name, outcome.breakers.isEmpty, outcome.unreachable.isEmpty {
            throw APIError.notFound("no circuit breaker named '\(name)'; `keelson breakers` lists them")
        }
        return outcome
    }
}
