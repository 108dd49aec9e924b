import ArgumentParser
import AsyncHTTPClient
import Foundation
import KeelsonPersistence
import KeelsonServiceKit
import NIOCore
import NIOHTTP1

/// Where the gateway is and which key to present: `--url`, else `KEELSON_URL`, else `KEELSON_GATEWAY_URL`,
/// else `http://127.0.0.1:8080`; `--api-key`, else `KEELSON_API_KEY`, else the admin key `make run` wrote
/// (`.keelson/admin_api_key`).
struct GatewayOptions: ParsableArguments {
    static let localKeyFile = ".keelson/admin_api_key"

    @Option(name: .customLong("url"), help: "The gateway's URL (default: KEELSON_URL, else KEELSON_GATEWAY_URL, else http://127.0.0.1:8080).")
    var url: String?
    @Option(name: .customLong("api-key"), help: "An API key (default: KEELSON_API_KEY, else the key `make run` made).")
    var apiKey: String?
    @Option(help: "Seconds to wait for the gateway.") var timeout = 10

    func connect() throws(CLIError) -> GatewayConnection {
        let environment = EnvironmentReader()
        let base: String
        do {
            if let url {
                guard let parsed = try EnvironmentReader(["--url": url]).httpURL("--url") else { throw CLIError("--url is empty") }
                base = parsed
            } else {
                base =
                    try environment.httpURL("KEELSON_URL") ?? environment.httpURL(ServiceIdentity.gateway.urlVariable)
                    ?? ServiceIdentity.gateway.defaultURL
            }
        } catch let error as ConfigurationError {
            throw CLIError(error.description)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(String(describing: error))
        }
        let key = apiKey ?? environment.string("KEELSON_API_KEY") ?? LocalStateFile.read(Self.localKeyFile)?.contents
        return GatewayConnection(baseURL: base, apiKey: key, timeout: max(1, timeout))
    }
}

/// One request to the gateway; every failure becomes one sentence saying what to do.
struct GatewayConnection: Sendable {
    let baseURL: String
    let apiKey: String?
    let timeout: Int

    struct Reply: Sendable {
        var status: Int
        var body: ByteBuffer
    }

    func send(_ method: HTTPMethod, _ path: String, body: [String: any Sendable]? = nil) async throws(CLIError) -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        if let body, let data = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]) {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: data))
        }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(timeout)))
            return Reply(status: Int(response.status.code), body: try await response.body.collect(upTo: 16 << 20))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw CLIError(
                "the gateway at \(baseURL) did not answer within \(timeout) s; `keelson health --direct` checks each service without it", exitCode: 3)
        } catch {
            throw CLIError(
                "the gateway at \(baseURL) is unreachable (\(Self.describe(error))); is it running? (`make run`); `keelson health --direct` checks each service without it",
                exitCode: 3)
        }
    }

    /// A 2xx answer as it came, or the gateway's error sentence.
    func get(_ path: String) async throws(CLIError) -> Reply {
        let reply = try await send(.GET, path)
        try Self.requireSuccess(reply, path: path)
        return reply
    }

    /// A 2xx answer decoded, or the gateway's error sentence.
    func call<Result: Decodable>(_ method: HTTPMethod, _ path: String, body: [String: any Sendable]? = nil, as type: Result.Type)
        async throws(CLIError) -> Result
    {
        let reply = try await send(method, path, body: body)
        try Self.requireSuccess(reply, path: path)
        do {
            return try JSONCoding.decoder.decode(type, from: reply.body)
        } catch {
            throw CLIError("the gateway's answer to \(path) could not be read: \(error)")
        }
    }

    static func requireSuccess(_ reply: Reply, path: String) throws(CLIError) {
        guard !(200..<300).contains(reply.status) else { return }
        let detail = (try? JSONCoding.decoder.decode(APIError.Body.self, from: reply.body))?.detail ?? String(buffer: reply.body)
        switch reply.status {
        case 401:
            throw CLIError("the gateway refused the API key: \(detail); pass --api-key or set KEELSON_API_KEY", exitCode: 4)
        case 403:
            throw CLIError("the gateway refused: \(detail)", exitCode: 4)
        default:
            throw CLIError("the gateway answered \(reply.status): \(detail)")
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.contains("Connection refused") || text.contains("connectionRefused") ? "connection refused" : text
    }
}
