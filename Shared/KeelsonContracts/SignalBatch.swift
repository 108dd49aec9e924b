/// Stored signals by id: the body of `POST /internal/v1/signals`. The engine reads each signal back from the signals
/// table, the source of truth, so only the ids travel.
public struct SignalBatch: Codable, Sendable, Equatable {
    public struct Reference: Codable, Sendable, Equatable {
        public var id: Int64

        public init(id: Int64) { self.id = id }
    }

    public var signals: [Reference]

    public init(ids: [Int64]) { signals = ids.map(Reference.init) }

    public var ids: [Int64] { signals.map(\.id) }
}
