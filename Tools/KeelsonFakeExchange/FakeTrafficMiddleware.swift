import Foundation
import Hummingbird

/// Wraps every exchange request: records it, applies bans, 429s and outages before the endpoint, and after
/// it turns Binance errors into their JSON answers, corrupts a response when asked, and adds the used-weight
/// header Binance puts on every answer.
struct FakeTrafficMiddleware: RouterMiddleware {
    typealias Context = FakeExchangeRequestContext
    let traffic: FakeTraffic

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let isCoinbase = path.hasPrefix("/api/v3/brokerage/")
        guard path.hasPrefix("/api/v3/") else { return try await next(request, context) }
        var response: Response
        if isCoinbase {
            if let status = await traffic.outage(.coinbase) {
                response = Self.serverError(status: status)
            } else {
                response = try await next(request, context)
            }
        } else {
            let now = Date.now
            if let refusal = await traffic.admit(weight: Self.weight(request), now: now) {
                response = refusal.response()
            } else if let status = await traffic.restOutage {
                response = Self.serverError(status: status)
            } else if path == "/api/v3/klines", let status = await traffic.outage(.binance) {
                response = Self.serverError(status: status)
            } else {
                do {
                    response = try await next(request, context)
                } catch let error as FakeBinanceError {
                    response = error.response()
                }
            }
            if await traffic.takeMalformed() {
                response.body = .init(byteBuffer: ByteBuffer(string: #"{"symbol":"BTCUSDT","orderId":37530"#))
            }
            let used = String(await traffic.usedWeight(now: now))
            response.headers[.binanceUsedWeight] = used
            response.headers[.binanceUsedWeightLegacy] = used
        }
        await traffic.record(
            FakeRecordedRequest(
                method: request.method.rawValue, path: path, query: request.uri.query ?? "",
                hasAPIKey: request.headers[.binanceAPIKey] != nil, status: Int(response.status.code), time: .now
            ))
        return response
    }

    /// Each endpoint's documented weight (EXCHANGES.md).
    static func weight(_ request: Request) -> Int {
        switch (request.method, request.uri.path) {
        case (_, "/api/v3/ping"), (_, "/api/v3/time"): 1
        case (_, "/api/v3/exchangeInfo"): 20
        case (_, "/api/v3/klines"): 2
        case (.get, "/api/v3/order"): 4
        case (_, "/api/v3/order"): 1
        case (_, "/api/v3/openOrders"): (request.uri.query ?? "").contains("symbol=") ? 6 : 80
        case (_, "/api/v3/account"): 20
        case (_, "/api/v3/myTrades"): (request.uri.query ?? "").contains("orderId=") ? 5 : 20
        default: 1
        }
    }

    /// What a proxy in front of a failing exchange answers: an HTML page.
    static func serverError(status: Int, htmlBody: Bool = true) -> Response {
        let html =
            "<html><head><title>\(status) Service Temporarily Unavailable</title></head><body><center><h1>\(status)</h1></center></body></html>"
        return Response(
            status: .init(code: status), headers: htmlBody ? [.contentType: "text/html"] : [:],
            body: htmlBody ? .init(byteBuffer: ByteBuffer(string: html)) : .init()
        )
    }
}
