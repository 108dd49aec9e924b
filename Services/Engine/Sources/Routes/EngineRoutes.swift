import Foundation
import Hummingbird
import KeelsonContracts
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonStrategies
import KeelsonTrading

/// The engine's HTTP API: reads for dashboards (`/api/v1/...`), and the token-guarded intake of signals and
/// candles plus the operator controls (`/internal/v1/...`).
struct EngineRoutes {
    static let maxBatch = 10_000

    let engine: TradingEngine
    let queries: TradingReadRepository
    let settings: EngineSettings

    struct SignalBatchResult: ResponseEncodable { var results: [TradingEngine.SignalResult] }

    struct RiskView: ResponseEncodable {
        var state: String
        var stateReason: String?
        var limits: RiskSettings
        var events: [TradingReadRepository.RiskEventView]
        enum CodingKeys: String, CodingKey { case state, limits, events; case stateReason = "state_reason" }
    }

    func register(router: Router<KeelsonRequestContext>, internalRoutes: RouterGroup<KeelsonRequestContext>) {
        let api = router.group("api/v1")
        api.get("session") { request, _ -> TradingReadRepository.SessionView in try await requestedSession(request) }
        api.get("portfolio") { request, _ -> TradingReadRepository.PortfolioView in
            try await queries.portfolio(session: requestedSession(request))
        }
        api.get("positions") { request, _ -> TradingReadRepository.PositionList in
            let session = try await requestedSession(request)
            return TradingReadRepository.PositionList(sessionID: session.id, positions: try await queries.positions(sessionID: session.id))
        }
        api.get("orders") { request, _ -> TradingReadRepository.OrderList in
            let query = QueryReader(request)
            var status: OrderStatus?
            if let text = try query.string("status") {
                guard let parsed = OrderStatus(rawValue: text) else {
                    throw APIError.badRequest(
                        "status=\(text) is not an order state; expected one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                status = parsed
            }
            let filter = try Self.listFilter(query, defaultLimit: 100)
            return try await queries.orders(sessionID: try await requestedSessionID(query), status: status, filter: filter)
        }
        api.get("trades") { request, _ -> TradingReadRepository.TradePage in
            let query = QueryReader(request)
            let filter = try Self.listFilter(query, defaultLimit: 50)
            return try await queries.trades(sessionID: try await requestedSessionID(query), filter: filter)
        }
        api.get("equity") { request, _ -> TradingReadRepository.EquityCurveView in
            let query = QueryReader(request)
            let since = try query.date("since")
            let until = try query.date("until")
            if let since, let until, since >= until { throw APIError.badRequest("since must be before until") }
            return try await queries.equityCurve(
                session: requestedSession(request), since: since, until: until, points: try query.integer("points", default: 500, range: 2...5000))
        }
        api.get("performance") { request, _ -> TradingReadRepository.PerformanceView in
            let text = try QueryReader(request).string("period") ?? "daily"
            guard let period = PerformancePeriod(rawValue: text) else {
                throw APIError.badRequest("period=\(text) is not allowed; expected daily, weekly or monthly")
            }
            return try await queries.performance(session: try await requestedSession(request), period: period)
        }
        api.get("strategies") { request, _ -> TradingReadRepository.StrategyPortfolioView in
            let window = try Self.strategyWindow(QueryReader(request))
            return try await queries.strategyPortfolio(session: currentSession(), period: window.period, since: window.since, until: window.until)
        }
        api.get("strategies/:id") { request, context -> TradingReadRepository.StrategyView in
            let id = try context.parameters.require("id")
            let window = try Self.strategyWindow(QueryReader(request))
            let portfolio = try await queries.strategyPortfolio(
                session: currentSession(), period: window.period, since: window.since, until: window.until)
            guard var strategy = portfolio.strategies.first(where: { $0.id == id }) else {
                throw APIError.notFound(
                    "no strategy instance '\(id)'; known: \(portfolio.strategies.map(\.id).joined(separator: ", ")) (keelson strategies list)")
            }
            strategy.history = try await queries.lifecycleEvents(instance: id, limit: 20)
            return strategy
        }
        api.get("capital") { _, _ -> TradingReadRepository.CapitalView in try await queries.capital() }
        api.get("execution") { request, _ -> TradingReadRepository.ExecutionView in
            let window = try Self.strategyWindow(QueryReader(request))
            return TradingReadRepository.ExecutionView(
                since: window.since, until: window.until, rows: try await queries.execution(since: window.since, until: window.until))
        }
        api.get("risk") { request, _ -> RiskView in
            let session = try await requestedSession(request)
            return RiskView(
                state: session.status, stateReason: session.statusReason, limits: settings.risk,
                events: try await queries.riskEvents(sessionID: session.id, limit: 50))
        }

        internalRoutes.post(RouterPath(InternalRoute.signals.relativePath)) { request, context -> SignalBatchResult in
            let batch = try await request.decode(as: SignalBatch.self, context: context)
            guard !batch.signals.isEmpty, batch.signals.count <= Self.maxBatch else {
                throw APIError.badRequest("signals must hold 1 to \(Self.maxBatch) signals; this batch has \(batch.signals.count)")
            }
            return SignalBatchResult(results: try await engine.handle(signalIDs: batch.ids))
        }
        internalRoutes.post(RouterPath(InternalRoute.candles.relativePath)) { request, context -> TradingEngine.CandleResult in
            let received = ContinuousClock.now
            let batch = try await request.decode(as: CandleBatch.self, context: context)
            guard batch.candles.count <= Self.maxBatch else {
                throw APIError.badRequest("a batch holds at most \(Self.maxBatch) candles; this one has \(batch.candles.count)")
            }
            for candle in batch.candles {
                do { _ = try candle.validated() } catch let error as DomainError { throw APIError.badRequest(error.description) }
            }
            return try await engine.handle(candles: batch.candles, received: received)
        }
        let controls: [(String, @Sendable (String) async throws -> TradingEngine.ControlResult)] = [
            ("halt", { try await engine.halt(reason: $0) }),
            ("resume", { try await engine.resume(reason: $0) }),
            ("stop-entries", { try await engine.stopEntries(reason: $0) }),
            ("close-all", { try await engine.closeAll(reason: $0) }),
        ]
        for (name, action) in controls {
            internalRoutes.post(RouterPath(InternalRoute.tradingControl(name).relativePath)) { request, context -> ControlResponse in
                let body = try await request.decode(as: ControlRequest.self, context: context)
                let reason = try OperatorReason.validated(body.reason, example: "{\"reason\": \"why you \(name)\"}", recordedIn: "risk_events")
                return ControlResponse(result: try await action(reason))
            }
        }
        internalRoutes.post(RouterPath(InternalRoute.maintenance.relativePath)) { request, context -> ControlResponse in
            let body = try await request.decode(as: MaintenanceRequest.self, context: context)
            guard let enabled = body.enabled else {
                throw APIError.badRequest("enabled is required: {\"enabled\": true, \"reason\": \"…\"} turns maintenance on, false turns it off")
            }
            let reason = try OperatorReason.validated(
                body.reason, example: "{\"enabled\": \(enabled), \"reason\": \"why\"}", recordedIn: "risk_events")
            return ControlResponse(
                result: try await engine.maintenance(on: enabled, reason: reason, onlyIfReasonStartsWith: body.onlyIfReasonStartsWith))
        }
    }

    struct ControlResponse: ResponseEncodable {
        var state: String
        var changed: Bool
        var detail: String
        init(result: TradingEngine.ControlResult) {
            state = result.state
            changed = result.changed
            detail = result.detail
        }
    }

    /// `period` (daily, weekly, monthly, all; default all), `since`, `until` for the per-strategy figures.
    static func strategyWindow(_ query: QueryReader) throws(APIError) -> (
        period: TradingReadRepository.StrategyPeriod, since: Date?, until: Date?
    ) {
        let text = try query.string("period") ?? "all"
        guard let period = TradingReadRepository.StrategyPeriod(rawValue: text) else {
            throw APIError.badRequest("period=\(text) is not allowed; expected daily, weekly, monthly or all")
        }
        let since = try query.date("since")
        let until = try query.date("until")
        if let since, let until, since >= until { throw APIError.badRequest("since must be before until") }
        return (period, since, until)
    }

    /// `symbol`, `strategy`, `since`, `until`, `before`, `limit`: the same for every list, with a 400 naming a bad value.
    static func listFilter(_ query: QueryReader, defaultLimit: Int) throws(APIError) -> TradingReadRepository.ListFilter {
        let symbol = try query.parse("symbol") { text throws(DomainError) in try Symbol(parsing: text).rawValue }
        let strategy = try query.string("strategy").map { text throws(APIError) -> String in
            guard StrategyInstanceID.isValid(text) else {
                throw APIError.badRequest("strategy=\(text) is not a strategy instance id; ids are \(StrategyInstanceID.rule)")
            }
            return text
        }
        let since = try query.date("since")
        let until = try query.date("until")
        if let since, let until, since >= until {
            throw APIError.badRequest("since must be before until")
        }
        let before = try query.string("before").map { text throws(APIError) -> Int64 in
            guard let id = Int64(text), id > 0 else {
                throw APIError.badRequest("before=\(text) is not an id; pass the next_before of the previous page")
            }
            return id
        }
        return TradingReadRepository.ListFilter(
            symbol: symbol, strategy: strategy, since: since, until: until, before: before,
            limit: try query.integer("limit", default: defaultLimit, range: 1...1000)
        )
    }

    /// `session=ID`: an earlier session of this mode instead of the current one.
    private func requestedSession(_ request: Request) async throws -> TradingReadRepository.SessionView {
        let query = QueryReader(request)
        guard try query.string("session") != nil, let id = try await requestedSessionID(query, allowingAll: false) else {
            return try await currentSession()
        }
        guard let session = try await queries.session(id: id) else {
            throw APIError.notFound("no \(queries.mode) session \(id); keelson trading status names the current one")
        }
        return session
    }

    /// The session a list reads: `session=ID`, `session=all` (nil: every session of this mode, where `allowingAll`), or the
    /// current one when not given.
    private func requestedSessionID(_ query: QueryReader, allowingAll: Bool = true) async throws -> Int64? {
        guard let text = try query.string("session") else { return try await currentSession().id }
        if text == "all" {
            guard allowingAll else { throw APIError.badRequest("session=all applies to orders and trades; give one session's id") }
            return nil
        }
        guard let id = Int64(text), id > 0 else { throw APIError.badRequest("session=\(text) is not a session; expected its id (a number) or all") }
        return id
    }

    private func currentSession() async throws -> TradingReadRepository.SessionView {
        guard let session = try await queries.session() else {
            throw APIError.notFound("no trading session yet: the engine opens one when it becomes leader (see GET /ready)")
        }
        return session
    }
}
