import ArgumentParser
import AsyncHTTPClient
import Foundation
import KeelsonServiceKit
import NIOCore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Call every service's /health and /ready and print one line each. Exits 1 unless all are ready."
    )

    @Option(help: "Seconds to wait for each service.") var timeout = 3
    @Flag(help: "Print JSON for scripts.") var json = false

    struct ServiceStatus: Codable {
        var service: String
        var url: String
        var alive: Bool
        var ready: Bool
        var detail: String
    }

    func run() async throws {
        var allReady = false
        try await reportingErrors {
            let urls: ServiceURLs
            do {
                urls = try ServiceURLs.load(from: EnvironmentReader())
            } catch let error as ConfigurationError {
                throw CLIError(error.description)
            }
            let client = HTTPClient.shared
            let limit = TimeAmount.seconds(Int64(timeout))
            let statuses = await withTaskGroup(of: ServiceStatus.self) { group in
                for service in ServiceIdentity.allCases {
                    group.addTask { await Self.probe(service, baseURL: urls[service], client: client, timeout: limit) }
                }
                var result: [ServiceStatus] = []
                for await status in group { result.append(status) }
                return result.sorted { $0.service < $1.service }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(statuses), as: UTF8.self))
            } else {
                for status in statuses {
                    let mark = status.ready ? "✔" : "✘"
                    print("\(mark) \(status.service.padding(toLength: 11, withPad: " ", startingAt: 0)) \(status.url.padding(toLength: 24, withPad: " ", startingAt: 0)) \(status.detail)")
                }
            }
            allReady = statuses.allSatisfy(\.ready)
        }
        if !allReady { throw ExitCode(1) }
    }

    static func probe(_ service: ServiceIdentity, baseURL: String, client: HTTPClient, timeout: TimeAmount) async -> ServiceStatus {
        var status = ServiceStatus(service: service.rawValue, url: baseURL, alive: false, ready: false, detail: "")
        do {
            let health = try await client.execute(HTTPClientRequest(url: baseURL + "/health"), timeout: timeout)
            _ = try await health.body.collect(upTo: 1 << 20)
            status.alive = health.status == .ok
            let ready = try await client.execute(HTTPClientRequest(url: baseURL + "/ready"), timeout: timeout)
            let body = try await ready.body.collect(upTo: 1 << 20)
            status.ready = ready.status == .ok
            if status.ready {
                status.detail = "healthy, ready"
            } else {
                let reason = (try? JSONDecoder().decode(ReadyAnswer.self, from: body))?.reason ?? "HTTP \(ready.status.code)"
                status.detail = "alive, not ready: \(reason)"
            }
        } catch {
            status.detail = "unreachable: \(Self.describe(error))"
        }
        return status
    }

    struct ReadyAnswer: Decodable {
        var reason: String?
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError, error == .deadlineExceeded { return "no answer in time" }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused (is it running? `make run`)" }
        return text
    }
}
