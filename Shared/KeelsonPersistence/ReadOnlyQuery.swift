import Logging
import PostgresNIO

/// Runs an operator's ad-hoc SELECT safely: inside a READ ONLY transaction that is always rolled back, as a
/// subquery (so it cannot smuggle in a second statement), with every value rendered as PostgreSQL's own text.
public struct ReadOnlyQuery: Sendable {
    public struct Result: Sendable, Equatable {
        public var columns: [String]
        public var rows: [[String?]]
        public var truncated: Bool
    }

    /// Why a query was refused before it reached the database.
    public struct Rejected: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public let sql: String
    public let limit: Int

    /// Accepts one read statement (SELECT, WITH … SELECT, VALUES or TABLE); anything else is refused here
    /// with a sentence rather than a syntax error from the subquery wrapper.
    public init(sql: String, limit: Int) throws(Rejected) {
        let statements = SQLScript.statements(in: sql)
        guard statements.count == 1, let statement = statements.first else {
            throw Rejected(
                description: statements.isEmpty
                    ? "the query is empty; pass one SELECT statement in quotes" : "one statement at a time, please; this has \(statements.count)")
        }
        let firstWord = statement.prefix { $0.isLetter }.lowercased()
        guard ["select", "with", "values", "table"].contains(firstWord) else {
            throw Rejected(
                description:
                    "only read queries run here (SELECT, WITH, VALUES, TABLE); '\(firstWord.uppercased())' changes data — use psql for maintenance")
        }
        guard limit > 0 else { throw Rejected(description: "the row limit must be above 0") }
        self.sql = statement
        self.limit = limit
    }

    public func run(on client: PostgresClient, logger: Logger = Logger(label: "keelson.query")) async throws -> Result {
        // row_to_json keeps column order and json_each_text renders each value as text, whatever its type.
        let wrapped = """
            SELECT ARRAY(SELECT e.key FROM json_each_text(row_to_json(q)) AS e),
                   ARRAY(SELECT coalesce(e.value, '') FROM json_each_text(row_to_json(q)) AS e),
                   ARRAY(SELECT e.value IS NULL FROM json_each_text(row_to_json(q)) AS e)
            FROM (\(sql)) AS q LIMIT \(limit + 1)
            """
        return try await client.withOpenConnection { connection in
            try await connection.query("START TRANSACTION READ ONLY", logger: logger)
            do {
                var columns: [String] = []
                var rows: [[String?]] = []
                let sequence = try await connection.query(PostgresQuery(unsafeSQL: wrapped), logger: logger)
                for try await (names, values, nulls) in sequence.decode(([String], [String], [Bool]).self) {
                    if columns.isEmpty { columns = names }
                    rows.append(zip(values, nulls).map { value, isNull in isNull ? nil : value })
                }
                await connection.rollBack(logger: logger)
                let truncated = rows.count > limit
                return Result(columns: columns, rows: Array(rows.prefix(limit)), truncated: truncated)
            } catch {
                await connection.rollBack(logger: logger)
                throw error
            }
        }
    }
}
