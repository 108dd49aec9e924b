/// Where an order is in its life. Terminal states never change again.
public enum OrderStatus: String, Sendable, Codable, CaseIterable {
    case new
    case submitted
    case partiallyFilled = "partially_filled"
    case filled
    case canceled
    case rejected
    case expired

    /// Still able to trade: written, sent, or partly filled.
    public var isOpen: Bool { self == .new || self == .submitted || self == .partiallyFilled }
    public var isTerminal: Bool { !isOpen }
}
