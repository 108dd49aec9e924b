import Hummingbird
import KeelsonContracts
import KeelsonFoundation

extension BreakerResetList: ResponseEncodable {}

/// The circuit breakers a service obeys, for the gateway: `GET /internal/v1/circuit-breakers` lists them and
/// `POST /internal/v1/circuit-breakers/reset` closes them (an operator) or probes their dependencies (the watchdog).
public enum CircuitBreakerRoutes {
    struct BreakerList: ResponseEncodable {
        var circuitBreakers: [CircuitBreaker.Snapshot]
        enum CodingKeys: String, CodingKey { case circuitBreakers = "circuit_breakers" }
    }

    public static func register(on internalRoutes: RouterGroup<KeelsonRequestContext>, dependencies: [GuardedDependency]) {
        internalRoutes.get(RouterPath(InternalRoute.circuitBreakers.relativePath)) { _, _ -> BreakerList in
            var snapshots: [CircuitBreaker.Snapshot] = []
            for dependency in dependencies { snapshots.append(await dependency.breaker.snapshot()) }
            return BreakerList(circuitBreakers: snapshots)
        }
        internalRoutes.post(RouterPath(InternalRoute.circuitBreakersReset.relativePath)) { request, context -> BreakerResetList in
            let body = try await request.decode(as: BreakerResetRequest.self, context: context)
            let chosen = dependencies.filter { body.name == nil || $0.breaker.name == body.name }
            if let name = body.name, chosen.isEmpty {
                throw APIError.notFound(
                    "no circuit breaker named '\(name)' here; these exist: \(dependencies.map(\.breaker.name).joined(separator: ", "))")
            }
            var entries: [BreakerResetList.Entry] = []
            for dependency in chosen { entries.append(await dependency.reset(probing: body.probe ?? false)) }
            return BreakerResetList(breakers: entries)
        }
    }
}
