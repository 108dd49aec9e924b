import ArgumentParser
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
            let query: ReadOnlyQuery
            do {
                query = try ReadOnlyQuery(sql: sql, limit: limit)
            } catch let error as ReadOnlyQuery.Rejected {
                throw CLIError(error.description)
            }
            let result = try await database.withClient { client, _ in
                try await query.run(on: client)
            }
            print(TableFormatter.render(header: result.columns, rows: result.rows))
            print("(\(result.rows.count) row\(result.rows.count == 1 ? "" : "s")\(result.truncated ? ", truncated at --limit" : ""))")
        }
    }
}
