import Foundation
import KeelsonDomain

/// A signal as persisted: its database id (the engine's idempotency key) and the strategy instance that made it.
public struct StoredSignal: Sendable, Equatable, Codable {
    public var id: Int64
    public var strategy: String
    public var signal: StrategySignal
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, strategy
        case createdAt = "created_at"
    }

    public init(id: Int64, strategy: String, signal: StrategySignal, createdAt: Date) {
        self.id = id
        self.strategy = strategy
        self.signal = signal
        self.createdAt = createdAt
    }

    // Flat JSON: the signal's fields sit beside id, strategy and created_at.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int64.self, forKey: .id)
        strategy = try container.decode(String.self, forKey: .strategy)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        signal = try StrategySignal(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(strategy, forKey: .strategy)
        try container.encode(createdAt, forKey: .createdAt)
        try signal.encode(to: encoder)
    }
}
