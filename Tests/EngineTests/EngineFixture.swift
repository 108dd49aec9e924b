import EngineService
import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelsonContracts
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import KeelsonTrading
import NIOCore
import PostgresNIO
import Testing

/// Hand-made market data and helpers shared by the engine's tests. Flat bars (open 100, high 101, low 99,
/// close 100) give an ATR(14) of exactly 2, so with 10,000 of capital and 1 % risk the stop distance is 4 and
/// an entry is 25 units: every figure in the tests can be checked by hand.
enum EngineFixture {
    static let btc = Symbol(rawValue: "BTCUSDT")!
    /// 2024-03-01T00:00:00Z
    static let start = Date(timeIntervalSince1970: 1_709_251_200)
    static let auth: HTTPFields = [.authorization: "Bearer \(TestConfiguration.tokens[0])", .contentType: "application/json"]

    static func time(_ index: Int) -> Date { start.addingTimeInterval(TimeInterval(index * 60)) }

    static func bar(_ index: Int, _ open: String, _ high: String, _ low: String, _ close: String, volume: String = "1000") -> Candle {
        Candle(
            exchange: "replay", symbol: btc, interval: .oneMinute, openTime: time(index),
            open: Decimal(string: open)!, high: Decimal(string: high)!, low: Decimal(string: low)!, close: Decimal(string: close)!,
            volume: Decimal(string: volume)!
        )
    }

    static func flat(_ indices: Range<Int>) -> [Candle] { indices.map { bar($0, "100", "101", "99", "100") } }

    /// The risk settings the engine tests' figures were worked out with: ATR(14) × 2 stops, a 3:1 take-profit and a
    /// 3 ATR trailing stop, so twenty flat bars are enough history and a stop sits 4 below a price of 100. (The
    /// autonomous defaults are wider; these tests are about the mechanics, not the defaults.)
    static let mechanicsRisk: RiskSettings = {
        var risk = RiskSettings.conservative(maxCapital: 10_000)
        risk.atrPeriod = 14
        risk.stopATRMultiple = 2
        risk.trailingATRMultiple = 3
        return risk
    }()

    static func settings(dailyLoss: Decimal = 5, drawdown: Decimal = 15, poll: Duration = .seconds(60)) -> EngineSettings {
        var settings = EngineSettings.autonomous(maxCapital: 10_000, timeframe: .oneMinute, symbols: [btc])
        settings.risk = mechanicsRisk
        settings.risk.dailyLossLimitPercent = dailyLoss
        settings.risk.maxDrawdownPercent = drawdown
        settings.pollInterval = poll
        return settings
    }

    static func seedCandles(_ candles: [Candle], postgres: PostgresClient) async throws {
        _ = try await PostgresCandleStore(client: postgres, logger: TestDatabase.logger).upsert(candles)
    }

    /// Stores a signal as the signal service would, computed on the bar at `index`.
    static func insertSignal(_ side: TradeSide, bar index: Int, price: String = "100", strategy: String = "test", postgres: PostgresClient)
        async throws -> Int64
    {
        let rows = try await postgres.query(
            """
            INSERT INTO signals (strategy, symbol, "interval", bar_time, side, strength, price, reason)
            VALUES (\(strategy), 'BTCUSDT', '1m', \(time(index)), \(side.rawValue), 1, \(Decimal(string: price)!), 'test')
            RETURNING id
            """, logger: TestDatabase.logger
        )
        for try await (id) in rows.decode(Int64.self) { return id }
        throw TestSetupError("no signal id returned")
    }

    struct SignalResults: Decodable { var results: [TradingEngine.SignalResult] }

    static func postSignals(_ ids: [Int64], client: some TestClientProtocol) async throws -> [TradingEngine.SignalResult] {
        let body = try JSONCoding.encoder.encode(SignalBatch(ids: ids))
        let response = try await client.execute(uri: InternalRoute.signals.path, method: .post, headers: auth, body: ByteBuffer(bytes: body))
        guard response.status == .ok else { throw TestSetupError("POST /internal/v1/signals: \(response.status) \(String(buffer: response.body))") }
        return try JSONDecoder().decode(SignalResults.self, from: response.body).results
    }

    static func postCandles(_ candles: [Candle], client: some TestClientProtocol) async throws -> TradingEngine.CandleResult {
        let body = try JSONCoding.encoder.encode(CandleBatch(candles: candles))
        let response = try await client.execute(uri: InternalRoute.candles.path, method: .post, headers: auth, body: ByteBuffer(bytes: body))
        guard response.status == .ok else { throw TestSetupError("POST /internal/v1/candles: \(response.status) \(String(buffer: response.body))") }
        return try JSONDecoder().decode(TradingEngine.CandleResult.self, from: response.body)
    }

    static func control(_ name: String, reason: String?, client: some TestClientProtocol) async throws -> (status: HTTPResponse.Status, body: String)
    {
        let body = reason.map { #"{"reason":"\#($0)"}"# } ?? "{}"
        let response = try await client.execute(uri: "/internal/v1/trading/\(name)", method: .post, headers: auth, body: ByteBuffer(string: body))
        return (response.status, String(buffer: response.body))
    }

    static func get(_ uri: String, client: some TestClientProtocol) async throws -> [String: Any] {
        let response = try await client.execute(uri: uri, method: .get, headers: [:], body: nil)
        guard response.status == .ok else { throw TestSetupError("GET \(uri): \(response.status) \(String(buffer: response.body))") }
        return try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
    }

    /// One value of the first row of a query.
    static func value<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type, postgres: PostgresClient) async throws -> T {
        let value = try await postgres.read(query, logger: TestDatabase.logger) { rows -> T? in
            for try await (value) in rows.decode(T.self) { return value }
            return nil
        }
        guard let value else { throw TestSetupError("no row for \(query.sql)") }
        return value
    }

    static func count(_ table: String, postgres: PostgresClient) async throws -> Int {
        try await value(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table)"), as: Int.self, postgres: postgres)
    }

    static func decimal(_ text: String) -> Decimal { Decimal(string: text)! }
}
