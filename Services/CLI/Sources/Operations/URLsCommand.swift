import ArgumentParser
import Foundation
import KeelsonPersistence
import KeelsonServiceKit

/// `keelson urls`: where everything is, as this shell's environment (or `make run`'s files) says.
struct URLsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "urls", abstract: "The URLs of the four services, the database (without its password) and the API spec.")

    func run() async throws {
        try await reportingErrors {
            let environment = EnvironmentReader()
            let urls: ServiceURLs
            do { urls = try ServiceURLs.load(from: environment) } catch let error as ConfigurationError { throw CLIError(error.description) }
            for service in ServiceIdentity.allCases {
                print("\(service.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(urls[service])")
            }
            let database = (try? environment.databaseURL()).map { "\($0)" } ?? "not configured (DATABASE_URL, or `make run`)"
            print("database    \(database)")
            print("api spec    \(urls[.gateway])/api/openapi.yaml")
            print("metrics     \(ServiceIdentity.allCases.map { urls[$0] + "/metrics" }.joined(separator: " "))")
        }
    }
}
