import Foundation
import KeelsonPersistence
import Logging

/// A database of its own for one benchmark, on the server `make bench` gives: created before, dropped after.
enum ScratchDatabase {
    static func with(server: DatabaseURL, label: String, logger: Logger, _ body: (DatabaseURL) async throws -> [String]) async throws -> [String] {
        let name = "keelson_bench_\(label)_\(getpid())"
        try await BackfillBenchmark.admin(server, "CREATE DATABASE \(name)", logger: logger)
        let lines = try await body(server.withDatabase(name))
        try await BackfillBenchmark.admin(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)", logger: logger)
        return lines
    }
}
