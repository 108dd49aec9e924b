import Foundation
import Hummingbird

/// `GET /health` (alive, cheap), `GET /ready` (dependencies reachable), `GET /metrics` (Prometheus text).
struct HealthRoutes {
    struct HealthBody: ResponseEncodable {
        var status: String
        var service: String
        var version: String
        var mode: String
        var uptimeSeconds: Double
        var details: [String: String]

        enum CodingKeys: String, CodingKey {
            case status, service, version, mode, details
            case uptimeSeconds = "uptime_seconds"
        }
    }

    struct ReadyBody: ResponseEncodable {
        var status: String
        var service: String
        var reason: String?
        var checks: [String: String]
    }

    let runtime: ServiceRuntime

    func register(on router: Router<KeelsonRequestContext>, servesLiveness: Bool) {
        if servesLiveness { registerLiveness(on: router) }
        registerReadiness(on: router)
    }

    private func registerLiveness(on router: Router<KeelsonRequestContext>) {
        router.get("health") { _, _ -> HealthBody in
            HealthBody(
                status: "ok",
                service: runtime.configuration.service.rawValue,
                version: runtime.configuration.version,
                mode: runtime.configuration.mode.rawValue,
                uptimeSeconds: runtime.uptime,
                details: await runtime.healthDetails()
            )
        }
    }

    private func registerReadiness(on router: Router<KeelsonRequestContext>) {
        router.get("ready") { request, context -> Response in
            let failures = await runtime.readinessFailures()
            let checks = Dictionary(uniqueKeysWithValues: runtime.readinessCheckNames.map { ($0, failures[$0] ?? "ok") })
            let body = ReadyBody(
                status: failures.isEmpty ? "ready" : "not_ready",
                service: runtime.configuration.service.rawValue,
                reason: failures.isEmpty ? nil : failures.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; "),
                checks: checks
            )
            var response = try body.response(from: request, context: context)
            response.status = failures.isEmpty ? .ok : .serviceUnavailable
            return response
        }
        router.get("metrics") { _, _ -> Response in
            runtime.metrics.database(up: await runtime.databaseReachable())
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: runtime.metrics.exposition()))
            )
        }
    }
}
