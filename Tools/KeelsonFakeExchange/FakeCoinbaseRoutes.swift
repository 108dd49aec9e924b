import Foundation
import Hummingbird
import KeelsonDomain

/// Coinbase Advanced Trade public candles from the same price series: `BTC-USD` is served from the listed
/// `BTCUSD` symbol or else `BTCUSDT`. Newest first, every value a string, at most 350 candles per request.
extension FakeExchange {
    static let coinbaseGranularities: [String: Int64] = [
        "ONE_MINUTE": 60, "FIVE_MINUTE": 300, "FIFTEEN_MINUTE": 900, "THIRTY_MINUTE": 1_800,
        "ONE_HOUR": 3_600, "TWO_HOUR": 7_200, "SIX_HOUR": 21_600, "ONE_DAY": 86_400,
    ]

    func addCoinbaseRoutes(to router: Router<FakeExchangeRequestContext>) {
        router.get("api/v3/brokerage/market/products/:product/candles") { request, context in
            try await self.coinbaseCandles(request, product: context.parameters.get("product") ?? "")
        }
    }

    private func coinbaseCandles(_ request: Request, product: String) async throws -> Response {
        let parts = product.split(separator: "-")
        guard parts.count == 2 else { return Self.coinbaseError(.notFound, "NOT_FOUND", "ProductID is invalid") }
        let (base, quote) = (String(parts[0]), String(parts[1]))
        guard let series = series[base + quote] ?? (quote == "USD" ? series[base + "USDT"] : nil) else {
            return Self.coinbaseError(.notFound, "NOT_FOUND", "ProductID is invalid")
        }
        let query = request.uri.queryParameters
        guard let startText = query["start"], let start = Int64(startText), let endText = query["end"], let end = Int64(endText) else {
            return Self.coinbaseError(.badRequest, "INVALID_ARGUMENT", "start and end are required UNIX timestamps in seconds")
        }
        guard let granularity = query["granularity"].flatMap({ Self.coinbaseGranularities[String($0)] }) else {
            return Self.coinbaseError(
                .badRequest, "INVALID_ARGUMENT", "granularity must be one of \(Self.coinbaseGranularities.keys.sorted().joined(separator: ", "))")
        }
        guard end >= start else { return Self.coinbaseError(.badRequest, "INVALID_ARGUMENT", "end must not be before start") }
        guard (end - start) / granularity + 1 <= 350 else {
            return Self.coinbaseError(.badRequest, "INVALID_ARGUMENT", "number of candles requested should be less than or equal to 350")
        }
        let bars = series.bars(length: granularity, from: start * 1000, to: end * 1000, now: clock.now)
        let candles = bars.reversed().map { bar in
            FakeJSON.object([
                ("start", .string(String(bar.openTime / 1000))), ("low", .string(bar.low.description)), ("high", .string(bar.high.description)),
                ("open", .string(bar.open.description)), ("close", .string(bar.close.description)), ("volume", .string(bar.volume.description)),
            ])
        }
        return FakeJSON.object([("candles", .array(candles))]).response()
    }

    static func coinbaseError(_ status: HTTPResponse.Status, _ error: String, _ message: String) -> Response {
        FakeJSON.object([("error", .string(error)), ("error_details", .string(message)), ("message", .string(message))]).response(status: status)
    }
}
