import Foundation
import Hummingbird

/// The request context every Keelson service uses; services that authenticate callers record who called here.
public struct KeelsonRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by authentication middleware: an inter-service caller or an API key's name.
    public var principal: String?

    public var requestDecoder: JSONDecoder { JSONCoding.decoder }
    public var responseEncoder: JSONEncoder { JSONCoding.encoder }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }
}
