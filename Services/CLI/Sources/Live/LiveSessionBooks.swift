import Foundation
import KeelsonExchanges
import KeelsonPersistence
import Logging
import PostgresNIO

/// A live trading session's books as the trading repository holds them, in the shape the account comparison takes.
struct LiveSessionBooks: Sendable {
    var sessionID: Int64
    var books: AccountBooks

    /// The session named, else the open live session.
    static func read(session: Int64?, client: PostgresClient, logger: Logger) async throws -> LiveSessionBooks {
        let stored = try await PostgresTradingRepository(client: client, logger: logger).liveBooks(session: session)
        let working = stored.workingOrders.map {
            AccountBooks.WorkingOrder(clientOrderId: $0.clientOrderID, symbol: $0.symbol, filledQuantity: $0.filledQuantity)
        }
        return LiveSessionBooks(
            sessionID: stored.sessionID,
            books: AccountBooks(cash: stored.cash, positions: stored.positions, workingOrders: working, symbols: stored.symbols)
        )
    }
}
