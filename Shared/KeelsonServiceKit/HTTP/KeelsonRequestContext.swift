import Foundation
import Hummingbird
import KeelsonPersistence
import NIOCore

/// The request context every Keelson service uses; services that authenticate callers record who called here.
public struct KeelsonRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by authentication middleware: an inter-service caller or an API key's name.
    public var principal: String?
    /// Set by the gateway's API-key check.
    public var caller: APICaller?
    /// The peer of the connection (nil in in-process router tests).
    public let remoteAddress: SocketAddress?

    public var requestDecoder: JSONDecoder { JSONCoding.decoder }
    public var responseEncoder: JSONEncoder { JSONCoding.encoder }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.caller = nil
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text, for rate limits and the audit log.
    public var sourceAddress: String {
        remoteAddress?.ipAddress ?? "unknown"
    }
}
