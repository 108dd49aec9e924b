import ArgumentParser
import Foundation
import KeelsonPersistence
import PostgresNIO

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run one SELECT in a READ ONLY transaction and print the rows as a table."
    )
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The query, e.g. \"SELECT symbol, count(*) FROM candles GROUP BY symbol\".") var sql: String
    @Option(help: "Print at most this many rows.") var limit = 1000

    func run() async throws {
        try await reportingErrors {
            let trimmed = sql.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ";"))
            guard !trimmed.isEmpty else { throw CLIError("the query is empty; pass one SELECT statement in quotes") }
            guard limit > 0 else { throw CLIError("--limit must be above 0") }
            let result = try await database.withClient { client, _ in
                try await ReadOnlyQuery(sql: trimmed, limit: limit).run(on: client)
            }
            print(TableFormatter.render(header: result.columns, rows: result.rows))
            print("(\(result.rows.count) row\(result.rows.count == 1 ? "" : "s")\(result.truncated ? ", truncated at --limit" : ""))")
        }
    }
}
