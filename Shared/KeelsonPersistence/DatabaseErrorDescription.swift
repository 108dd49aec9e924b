import NIOCore
import PostgresNIO

/// One readable sentence for a database failure. `PSQLError.description` is deliberately generic, so the
/// server's own message (or the connection failure underneath) is dug out here, in one place.
public enum DatabaseErrorDescription {
    public static func describe(_ error: any Error) -> String {
        if error is DatabaseConnectionClosed { return DatabaseConnectionClosed().description }
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                let code = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + code
            }
            if let underlying = psql.underlying {
                return "cannot reach the database: \(describe(underlying))"
            }
            switch psql.code {
            case .connectionError: return "cannot reach the database: connection failed"
            case .serverClosedConnection: return "the database closed the connection"
            case .clientClosedConnection: return "the database connection was closed"
            default: return "database error: \(psql.code)"
            }
        }
        if let ioError = error as? IOError {
            return ioError.description
        }
        if let connectError = error as? NIOConnectionError {
            return "connection refused by \(connectError.host):\(connectError.port)"
        }
        return String(describing: error)
    }

    /// True when the failure is "cannot reach the database" rather than a problem with the query.
    public static func isConnectionFailure(_ error: any Error) -> Bool {
        if let psql = error as? PSQLError {
            return [.connectionError, .serverClosedConnection, .clientClosedConnection].contains(psql.code)
        }
        return error is IOError || error is NIOConnectionError || error is DatabaseConnectionClosed
    }
}

/// A statement was not sent because its connection had already closed (see `PostgresClient.transaction`).
public struct DatabaseConnectionClosed: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the database connection was closed" }
}
