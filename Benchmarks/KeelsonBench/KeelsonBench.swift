import Foundation
import KeelsonPersistence

/// `make bench`: prints figures; nothing here asserts on time. The database benchmarks need DATABASE_URL
/// (`make bench` starts a throwaway PostgreSQL for them).
@main
enum KeelsonBench {
    static func main() async throws {
        // Peak memory is per process, so the backfill runs before anything else that allocates much.
        if let text = ProcessInfo.processInfo.environment["DATABASE_URL"] {
            for line in try await BackfillBenchmark.run(server: try DatabaseURL(parsing: text)) { print(line) }
        } else {
            print("DATABASE_URL is not set: skipping the database benchmarks (make bench provides one)")
        }
        for line in try IndicatorBenchmarks.runAll() { print(line) }
    }
}
