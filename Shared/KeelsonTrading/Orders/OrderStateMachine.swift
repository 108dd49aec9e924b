import Foundation

/// The only transitions an order may take: new → submitted → partially_filled → filled | canceled | rejected |
/// expired. Every accepted transition becomes a row in `order_events`; anything else is a bug or a broker
/// report that contradicts what we know, and is refused rather than applied.
public enum OrderStateMachine {
    public static func allowedTransitions(from status: OrderStatus) -> Set<OrderStatus> {
        switch status {
        case .new: [.submitted, .rejected, .canceled]
        case .submitted: [.partiallyFilled, .filled, .canceled, .rejected, .expired]
        case .partiallyFilled: [.partiallyFilled, .filled, .canceled, .expired]
        case .filled, .canceled, .rejected, .expired: []
        }
    }

    public static func transition(from current: OrderStatus, to next: OrderStatus) throws(OrderTransitionError) -> OrderStatus {
        guard allowedTransitions(from: current).contains(next) else {
            throw OrderTransitionError(from: current, to: next)
        }
        return next
    }

    /// The status an order moves to when `filled` of its `quantity` has traded.
    public static func statusAfterFill(filled: Decimal, of quantity: Decimal) -> OrderStatus {
        filled >= quantity ? .filled : .partiallyFilled
    }
}

public struct OrderTransitionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let from: OrderStatus
    public let to: OrderStatus

    public var description: String { "an order cannot go from \(from.rawValue) to \(to.rawValue)" }
}
