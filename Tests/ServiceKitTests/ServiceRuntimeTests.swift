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
        router.get("when/:id") { request, _ -> EchoBody in
            let date = try QueryReader(request).date("at")
            return EchoBody(value: Int(date?.timeIntervalSince1970 ?? -1))
        }
        router.post("reason") { request, context -> EchoBody in
            let body = try await request.decode(as: ControlRequest.self, context: context)
            return EchoBody(value: try OperatorReason.validated(body.reason, example: #"{"reason": "why"}"#, recordedIn: "the test").count)
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

    struct ControlRequest: Decodable { var reason: String? }

    @Test("a served path with a method it does not take is 405 with Allow; an unknown path stays 404")
    func methodNotAllowed() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let (app, _) = try makeApp(database: url)
            try await app.test(.router) { client in
                for (method, path, allow) in [
                    (HTTPRequest.Method.delete, "/health", "GET"), (.init("TRACE")!, "/when/7", "GET"), (.put, "/reason", "POST"),
                ] {
                    try await client.execute(uri: path, method: method) { response in
                        #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                        #expect(response.headers[.allow] == allow)
                        let body = try JSONDecoder().decode(APIError.Body.self, from: response.body)
                        #expect(body.error == "method_not_allowed" && body.detail.contains("it takes \(allow)"))
                    }
                }
                try await client.execute(uri: "/when/7/more", method: .get) { response in #expect(response.status == .notFound) }
            }
        }
    }

    @Test("query times: ISO-8601 with any offset, dates, epoch ms; empty or beyond years 1–9999 is a 400, never a trap")
    func queryTimes() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let (app, _) = try makeApp(database: url)
            try await app.test(.router) { client in
                let accepted: [(String, Int)] = [
                    ("2024-01-31T09:30:00Z", 1_706_693_400), ("2024-01-31", 1_706_659_200), ("1706693400000", 1_706_693_400),
                    ("2024-01-31T09:30:00-05:30", 1_706_713_200), ("2024-01-31t09:30:00.5z", 1_706_693_400),
                ]
                for (text, seconds) in accepted {
                    try await client.execute(uri: "/when/1?at=\(text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", method: .get) {
                        response in
                        #expect(response.status == .ok, "\(text)")
                        let echoed = try JSONDecoder().decode(EchoBody.self, from: response.body)
                        #expect(echoed.value == seconds, "\(text)")
                    }
                }
                for (text, fragment) in [
                    ("", "at= is empty"), ("999999999999999999", "outside the years 1 to 9999"), ("99999999999999999999", "is not a time"),
                    ("2024-02-30T00:00:00Z", "is not a time"), ("yesterday", "is not a time"),
                ] {
                    try await client.execute(uri: "/when/1?at=\(text)", method: .get) { response in
                        #expect(response.status == .badRequest, "\(text)")
                        let error = try JSONDecoder().decode(APIError.Body.self, from: response.body)
                        #expect(error.detail.contains(fragment), "\(text): \(error.detail)")
                    }
                }
            }
        }
    }

    @Test("an operator's reason: required, at most 500 characters, no control characters")
    func operatorReasons() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let (app, _) = try makeApp(database: url)
            try await app.test(.router) { client in
                for (reason, status, fragment) in [
                    ("  exchange incident  ", HTTPResponse.Status.ok, ""), ("   ", .badRequest, "a reason is required"),
                    (String(repeating: "x", count: 501), .badRequest, "keep it to 500"), ("nul\u{0}byte", .badRequest, "control character"),
                    ("two\nlines", .badRequest, "control character"),
                ] {
                    let body = try JSONEncoder().encode(["reason": reason])
                    try await client.execute(
                        uri: "/reason", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: body)
                    ) {
                        response in
                        #expect(response.status == status, "\(reason.prefix(20))")
                        if status == .ok {
                            let echoed = try JSONDecoder().decode(EchoBody.self, from: response.body)
                            #expect(echoed.value == "exchange incident".count)
                        } else {
                            let error = try JSONDecoder().decode(APIError.Body.self, from: response.body)
                            #expect(error.detail.contains(fragment), "\(error.detail)")
                        }
                    }
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
