import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The fake's request context: WebSocket-capable, and keeping the connection's channel so a stream can be
/// cut abruptly (no close frame), the way a network failure cuts it.
struct FakeExchangeRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.channel = source.channel
    }
}

extension HTTPFields.Element.Name {
    static let binanceAPIKey = Self("X-MBX-APIKEY")!
    static let binanceUsedWeight = Self("X-MBX-USED-WEIGHT-1M")!
    /// The older name Binance still sends beside the 1-minute one, lower-cased as HTTP/2 delivers it.
    static let binanceUsedWeightLegacy = Self("x-mbx-used-weight")!
}
