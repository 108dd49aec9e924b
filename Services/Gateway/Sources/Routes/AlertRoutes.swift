import AsyncHTTPClient
import Foundation
import Hummingbird
import KeelsonServiceKit
import NIOCore

/// `GET /api/v1/alerts`: what is firing, for the dashboard's overview. From Alertmanager's API when
/// `KEELSON_ALERTMANAGER_URL` is set (active, neither silenced nor inhibited); otherwise — or when Alertmanager does not
/// answer, which the answer says — the engine's newest risk events, the system's own record of what went wrong.
struct AlertRoutes {
    let alertmanager: String?
    let httpClient: HTTPClient
    let engine: ServiceClient
    let timeout: Duration

    static let riskEventCount = 10

    struct Alert: Encodable {
        var name: String
        var severity: String?
        var summary: String
        var since: Date?
        var symbol: String?
    }

    struct AlertList: ResponseEncodable {
        /// `alertmanager` or `risk_events`.
        var source: String
        var alerts: [Alert]
        /// Why Alertmanager was not used although it is configured.
        var error: String?
    }

    private struct ManagedAlert: Decodable {
        var labels: [String: String]
        var annotations: [String: String]?
        var startsAt: Date?
    }

    private struct RiskEvents: Decodable {
        struct Event: Decodable {
            var kind: String
            var symbol: String?
            var reason: String
            var occurredAt: Date
            enum CodingKeys: String, CodingKey { case kind, symbol, reason; case occurredAt = "occurred_at" }
        }
        var events: [Event]
    }

    func register(viewer: RouterGroup<KeelsonRequestContext>) {
        viewer.get("api/v1/alerts") { _, _ -> AlertList in
            var problem: String?
            if let alertmanager {
                do {
                    return AlertList(source: "alertmanager", alerts: try await firing(at: alertmanager))
                } catch {
                    problem = "Alertmanager at \(alertmanager) did not answer (\(error)); showing the engine's risk events instead"
                }
            }
            let risk = try await engine.get("/api/v1/risk", as: RiskEvents.self)
            return AlertList(
                source: "risk_events",
                alerts: risk.events.prefix(Self.riskEventCount).map {
                    Alert(name: $0.kind, severity: nil, summary: $0.reason, since: $0.occurredAt, symbol: $0.symbol)
                },
                error: problem)
        }
    }

    private func firing(at base: String) async throws -> [Alert] {
        let request = HTTPClientRequest(url: base + "/api/v2/alerts?active=true&silenced=false&inhibited=false")
        let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds * 1_000_000_000)))
        guard response.status == .ok else { throw AlertmanagerRefused(status: Int(response.status.code)) }
        let body = try await response.body.collect(upTo: 4 << 20)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            // Alertmanager writes fractional seconds, which the plain ISO-8601 strategy refuses.
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: text) { return date }
            formatter.formatOptions = [.withInternetDateTime]
            guard let date = formatter.date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO-8601 time")
            }
            return date
        }
        return try decoder.decode([ManagedAlert].self, from: body).map { alert in
            Alert(
                name: alert.labels["alertname"] ?? "unnamed", severity: alert.labels["severity"],
                summary: alert.annotations?["summary"] ?? alert.annotations?["description"] ?? "", since: alert.startsAt,
                symbol: alert.labels["symbol"])
        }
    }
}

struct AlertmanagerRefused: Error, CustomStringConvertible {
    let status: Int
    var description: String { "HTTP status \(status)" }
}
