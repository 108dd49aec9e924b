import Foundation
import Hummingbird

/// A Binance error answer: HTTP status plus `{"code","msg"}`, with the messages Binance itself sends.
struct FakeBinanceError: Error, HTTPResponseError, Equatable {
    var status: HTTPResponse.Status
    var code: Int
    var msg: String
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    func response() -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json;charset=UTF-8"
        let body = #"{"code":\#(code),"msg":"\#(msg.replacingOccurrences(of: "\"", with: "\\\""))"}"#
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func mandatory(_ name: String) -> FakeBinanceError {
        FakeBinanceError(status: .badRequest, code: -1102, msg: "Mandatory parameter '\(name)' was not sent, was empty/null, or malformed.")
    }

    static func illegal(_ name: String) -> FakeBinanceError {
        FakeBinanceError(
            status: .badRequest, code: -1100, msg: "Illegal characters found in parameter '\(name)'; legal range is '^[0-9]{1,20}(\\.[0-9]{1,20})?$'."
        )
    }

    static let invalidSymbol = FakeBinanceError(status: .badRequest, code: -1121, msg: "Invalid symbol.")
    static let invalidInterval = FakeBinanceError(status: .badRequest, code: -1120, msg: "Invalid interval.")
    static let invalidSide = FakeBinanceError(status: .badRequest, code: -1117, msg: "Invalid side.")
    static let invalidOrderType = FakeBinanceError(status: .badRequest, code: -1116, msg: "Invalid orderType.")
    static let invalidTimeInForce = FakeBinanceError(status: .badRequest, code: -1115, msg: "Invalid timeInForce.")
    static let badSignature = FakeBinanceError(status: .badRequest, code: -1022, msg: "Signature for this request is not valid.")
    static let outsideRecvWindow = FakeBinanceError(status: .badRequest, code: -1021, msg: "Timestamp for this request is outside of the recvWindow.")
    static let aheadOfServer = FakeBinanceError(
        status: .badRequest, code: -1021, msg: "Timestamp for this request was 1000ms ahead of the server's time.")
    static let recvWindowTooLarge = FakeBinanceError(status: .badRequest, code: -1131, msg: "recvWindow must be less than 60000")
    static let apiKeyFormat = FakeBinanceError(status: .unauthorized, code: -2014, msg: "API-key format invalid.")
    static let unknownAPIKey = FakeBinanceError(status: .unauthorized, code: -2015, msg: "Invalid API-key, IP, or permissions for action.")
    static let insufficientBalance = FakeBinanceError(status: .badRequest, code: -2010, msg: "Account has insufficient balance for requested action.")
    static let duplicateOrder = FakeBinanceError(status: .badRequest, code: -2010, msg: "Duplicate order sent.")
    static let stopWouldTriggerImmediately = FakeBinanceError(status: .badRequest, code: -2010, msg: "Stop price would trigger immediately.")
    static let ocoPriceRelationship = FakeBinanceError(
        status: .badRequest, code: -2010, msg: "The relationship of the prices for the orders is not correct.")
    static let unknownOrderList = FakeBinanceError(status: .badRequest, code: -2011, msg: "Unknown order list sent.")
    static let noSuchOrder = FakeBinanceError(status: .badRequest, code: -2013, msg: "Order does not exist.")
    static let unknownOrderToCancel = FakeBinanceError(status: .badRequest, code: -2011, msg: "Unknown order sent.")

    static func filterFailure(_ filter: String) -> FakeBinanceError {
        FakeBinanceError(status: .badRequest, code: -1013, msg: "Filter failure: \(filter)")
    }
}
