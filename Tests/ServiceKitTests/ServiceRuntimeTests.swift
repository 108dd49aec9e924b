import Foundation
import Hummingbird
import HummingbirdTesting
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import Testing

@Suite("The shared service plumbing")
struct ServiceRuntimeTests {
    func makeApp(database: DatabaseURL) throws -> (some ApplicationProtocol, ServiceRuntime) {
        let runtime = ServiceRuntime(configuration: try TestConfiguration.service(.signals, database: database))
        let router = runtime.makeRouter()
        runtime.internalRoutes(on: router).post("v1/echo") { request, context -> EchoBody in
            try await request.decode(as: EchoBody.self, context: context)
        }
        return (runtime.makeApplication(router: router), runtime)
    }

    struct EchoBody: ResponseCodable, Equatable {
        var value: Int
    }

    @Test("internal routes: no token → 401, wrong token → 401, either rotated token → 200")
    func internalAuth() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let (app, _) = try makeApp(database: url)
            try await app.test(.router) { client in
                try await client.execute(uri: "/internal/v1/info", method: .get) { response in
                    #expect(response.status == .unauthorized)
                    let body = try JSONDecoder().decode(APIError.Body.self, from: response.body)
                    #expect(body.error == "unauthorized")
                    #expect(body.detail.contains("Bearer"))
                }
                try await client.execute(uri: "/internal/v1/info", method: .get, headers: [.authorization: "Bearer wrong-token-0123456789abcdef"]) {
                    response in
                    #expect(response.status == .unauthorized)
                    let body = try JSONDecoder().decode(APIError.Body.self, from: response.body)
                    #expect(body.error == "unauthorized")
                }
                try await client.execute(uri: "/internal/v1/info", method: .get, headers: [.authorization: "Basic abc"]) { response in
                    #expect(response.status == .unauthorized)
                }
                for token in TestConfiguration.tokens {
                    try await client.execute(uri: "/internal/v1/info", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                        #expect(response.status == .ok)
                        #expect(String(buffer: response.body).contains("\"service\":\"signals\""))
                    }
                }
            }
        }
    }

    @Test("client errors come back as 4xx JSON bodies, never an empty 500")
    func errorBodies() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let (app, _) = try makeApp(database: url)
            let auth: HTTPFields = [.authorization: "Bearer \(TestConfiguration.tokens[0])", .contentType: "application/json"]
            try await app.test(.router) { client in
                try await client.execute(uri: "/no/such/route", method: .get) { response in
                    #expect(response.status == .notFound)
                    let body = try JSONDecoder().decode(APIError.Body.self, from: response.body)
                    #expect(body.error == "not_found")
                    #expect(!body.detail.isEmpty)
                }
                try await client.execute(uri: "/internal/v1/echo", method: .post, headers: auth, body: ByteBuffer(string: "{not json")) { response in
                    #expect(response.status == .badRequest)
                    let decoded = try JSONDecoder().decode(APIError.Body.self, from: response.body)
                    #expect(decoded.error == "bad_request")
                }
                try await client.execute(uri: "/internal/v1/echo", method: .post, headers: auth, body: ByteBuffer(string: #"{"value":"seven"}"#)) {
                    response in
                    #expect(response.status == .badRequest)
                    let decoded = try JSONDecoder().decode(APIError.Body.self, from: response.body)
                    #expect(decoded.detail.contains("value"))
                }
                try await client.execute(uri: "/internal/v1/echo", method: .post, headers: auth, body: ByteBuffer(string: #"{"value":7}"#)) {
                    response in
                    #expect(response.status == .ok)
                    let decoded = try JSONDecoder().decode(EchoBody.self, from: response.body)
                    #expect(decoded == EchoBody(value: 7))
                }
            }
        }
    }

    @Test("/metrics counts requests per route and parses as Prometheus text")
    func metrics() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let (app, _) = try makeApp(database: url)
            try await app.test(.router) { client in
                for _ in 0..<3 { try await client.execute(uri: "/health", method: .get) { _ in } }
                try await client.execute(uri: "/missing", method: .get) { _ in }
                try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                    let text = String(buffer: response.body)
                    #expect(
                        PrometheusTextFormat.problems(in: text).isEmpty,
                        Comment(rawValue: String(describing: PrometheusTextFormat.problems(in: text))))
                    #expect(text.contains(#"http_requests_total{service="signals",route="/health",method="GET",status="200"} 3"#))
                    #expect(text.contains(#"route="NotFound",method="GET",status="404""#))
                    #expect(
                        PrometheusTextFormat.metricNames(in: text).isSuperset(of: [
                            "http_requests_total", "http_request_duration_seconds_bucket", "process_resident_memory_bytes", "keelson_build_info",
                        ]))
                }
            }
        }
    }

    @Test("the service client sends the token, reads JSON, and reports a down service clearly")
    func serviceClient() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let runtime = ServiceRuntime(configuration: try TestConfiguration.service(.signals, database: url, port: 0))
            let app = runtime.makeApplication(router: runtime.makeRouter())
            try await app.test(.live) { client in
                let port = try #require(client.port)
                var urls = ServiceURLs()
                urls[.signals] = "http://127.0.0.1:\(port)"
                urls[.engine] = "http://127.0.0.1:\(FreePort.next())"
                var configuration = try TestConfiguration.service(.gateway, database: url)
                configuration.serviceURLs = urls
                let caller = ServiceRuntime(configuration: configuration)

                let info = try await caller.client(for: .signals).get("/internal/v1/info", as: ServiceInfo.self)
                #expect(info.service == "signals")

                var engine = caller.client(for: .engine)
                engine.retryPolicy = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10))
                await #expect {
                    try await engine.get("/internal/v1/info", as: ServiceInfo.self)
                } throws: { error in
                    "\(error)".hasPrefix("keelson-engine is unreachable")
                }
            }
        }
    }
}
