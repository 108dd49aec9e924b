import Foundation
import GatewayService
import Hummingbird
import KeelsonServiceKit
import KeelsonTestSupport
import Testing

/// docs/openapi.yaml and the gateway's router agree both ways: every route served is documented for the
/// gateway, and every operation documented for the gateway is served.
@Suite("OpenAPI document matches the gateway")
struct OpenAPIConformanceTests {
    struct Operation: Hashable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
    }

    /// Operations tagged `Gateway`, read line by line: paths at two spaces, methods at four, tags at six.
    static func documentedGatewayOperations() throws -> Set<Operation> {
        let text = try String(contentsOf: ServiceProcess.packageRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        var operations: Set<Operation> = []
        var inPaths = false
        var path: String?
        var method: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            if inPaths, !line.isEmpty, !line.hasPrefix(" "), !line.hasPrefix("#") { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
                method = nil
            } else if let match = line.wholeMatch(of: /\ {4}(get|post|put|patch|delete):/) {
                method = String(match.1).uppercased()
            } else if let path, let method, let match = line.wholeMatch(of: /\ {6}tags: \[(.*)\]/) {
                let tags = match.1.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                if tags.contains("Gateway") { operations.insert(Operation(method: method, path: path)) }
            }
        }
        return operations
    }

    static func servedOperations() throws -> Set<Operation> {
        let configuration = try TestConfiguration.service(.gateway, database: TestConfiguration.unreachableDatabase())
        let gateway = Gateway(configuration: configuration, settings: GatewaySettings())
        return Set(
            gateway.router.routes.map { route in
                // Hummingbird writes parameters as `{id}` already; trim a trailing slash.
                var path = route.path.description
                if path.count > 1, path.hasSuffix("/") { path.removeLast() }
                if !path.hasPrefix("/") { path = "/" + path }
                return Operation(method: route.method.rawValue, path: path)
            })
    }

    @Test func everyServedRouteIsDocumentedAndEveryDocumentedRouteIsServed() throws {
        let documented = try Self.documentedGatewayOperations()
        let served = try Self.servedOperations()
        #expect(documented.count > 20)
        let undocumented = served.subtracting(documented).sorted { $0.description < $1.description }
        let missing = documented.subtracting(served).sorted { $0.description < $1.description }
        #expect(undocumented.isEmpty, "served by the gateway but not in docs/openapi.yaml (tag Gateway): \(undocumented)")
        #expect(missing.isEmpty, "in docs/openapi.yaml for the gateway but not served: \(missing)")
    }

    @Test func theGatewayServesTheDocumentItWasBuiltWith() async throws {
        let configuration = try TestConfiguration.service(.gateway, database: TestConfiguration.unreachableDatabase())
        let app = Gateway(configuration: configuration, settings: GatewaySettings()).application()
        let onDisk = try Data(contentsOf: ServiceProcess.packageRoot.appendingPathComponent("docs/openapi.yaml"))
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/api/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
            #expect(Data(buffer: response.body) == onDisk)
        }
    }
}
