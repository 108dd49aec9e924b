import Foundation
import KeelsonTrading
import Testing

@Suite("Order state machine")
struct OrderStateMachineTests {
    /// The whole table, written out by hand.
    static let expected: [OrderStatus: Set<OrderStatus>] = [
        .new: [.submitted, .rejected, .canceled],
        .submitted: [.partiallyFilled, .filled, .canceled, .rejected, .expired],
        .partiallyFilled: [.partiallyFilled, .filled, .canceled, .expired],
        .filled: [],
        .canceled: [],
        .rejected: [],
        .expired: [],
    ]

    @Test(arguments: OrderStatus.allCases)
    func allowedTransitionsMatchTheTable(from status: OrderStatus) throws {
        let allowed = try #require(Self.expected[status])
        #expect(OrderStateMachine.allowedTransitions(from: status) == allowed)
    }

    /// Every pair of states: allowed ones return the new state, all others throw naming both states.
    @Test(arguments: OrderStatus.allCases, OrderStatus.allCases)
    func transitionAcceptsExactlyTheAllowedPairs(from: OrderStatus, to: OrderStatus) throws {
        if Self.expected[from]!.contains(to) {
            #expect(try OrderStateMachine.transition(from: from, to: to) == to)
        } else {
            let error = #expect(throws: OrderTransitionError.self) { try OrderStateMachine.transition(from: from, to: to) }
            #expect(error?.from == from)
            #expect(error?.to == to)
        }
    }

    @Test func filledToSubmittedIsRefused() {
        do {
            _ = try OrderStateMachine.transition(from: .filled, to: .submitted)
            Issue.record("filled → submitted was accepted")
        } catch {
            #expect(error.from == .filled)
            #expect(error.to == .submitted)
            #expect(error.description == "an order cannot go from filled to submitted")
        }
    }

    @Test func someForbiddenTransitions() {
        let forbidden: [(OrderStatus, OrderStatus)] = [
            (.new, .filled), (.new, .partiallyFilled), (.new, .expired), (.new, .new),
            (.submitted, .new), (.submitted, .submitted),
            (.partiallyFilled, .submitted), (.partiallyFilled, .rejected), (.partiallyFilled, .new),
            (.canceled, .submitted), (.rejected, .submitted), (.expired, .filled), (.filled, .canceled),
        ]
        for (from, to) in forbidden {
            let error = #expect(throws: OrderTransitionError.self) { try OrderStateMachine.transition(from: from, to: to) }
            #expect(error?.from == from && error?.to == to)
        }
    }

    @Test func terminalStatesHaveNoTransitions() {
        for status in [OrderStatus.filled, .canceled, .rejected, .expired] {
            #expect(status.isTerminal)
            #expect(!status.isOpen)
            #expect(OrderStateMachine.allowedTransitions(from: status).isEmpty)
        }
        for status in [OrderStatus.new, .submitted, .partiallyFilled] {
            #expect(status.isOpen)
            #expect(!status.isTerminal)
            #expect(!OrderStateMachine.allowedTransitions(from: status).isEmpty)
        }
    }

    @Test func statusAfterFill() {
        #expect(OrderStateMachine.statusAfterFill(filled: dec("0.25"), of: dec("1")) == .partiallyFilled)
        #expect(OrderStateMachine.statusAfterFill(filled: dec("0.99999"), of: dec("1")) == .partiallyFilled)
        #expect(OrderStateMachine.statusAfterFill(filled: dec("1"), of: dec("1")) == .filled)
        // An overfill (a broker's rounding) is still filled.
        #expect(OrderStateMachine.statusAfterFill(filled: dec("1.00001"), of: dec("1")) == .filled)
    }

    /// A full life: new → submitted → partially filled twice → filled, then nothing more.
    @Test func aFullLifeCycle() throws {
        var status = OrderStatus.new
        status = try OrderStateMachine.transition(from: status, to: .submitted)
        status = try OrderStateMachine.transition(from: status, to: OrderStateMachine.statusAfterFill(filled: dec("0.3"), of: 1))
        #expect(status == .partiallyFilled)
        status = try OrderStateMachine.transition(from: status, to: OrderStateMachine.statusAfterFill(filled: dec("0.6"), of: 1))
        #expect(status == .partiallyFilled)
        status = try OrderStateMachine.transition(from: status, to: OrderStateMachine.statusAfterFill(filled: dec("1"), of: 1))
        #expect(status == .filled)
        #expect(throws: OrderTransitionError.self) { try OrderStateMachine.transition(from: status, to: .canceled) }
    }

    @Test func rawValuesAreTheStoredNames() {
        #expect(OrderStatus.partiallyFilled.rawValue == "partially_filled")
        #expect(OrderStatus.allCases.map(\.rawValue) == ["new", "submitted", "partially_filled", "filled", "canceled", "rejected", "expired"])
        #expect(OrderCause.allCases.map(\.rawValue) == ["signal", "stop_loss", "take_profit", "trailing_stop", "close_all", "manual"])
    }
}

@Suite("Client order ids")
struct ClientOrderIDTests {
    @Test func signalIDsAreDeterministic() {
        #expect(ClientOrderID.forSignal(42) == "k-sig-42")
        #expect(ClientOrderID.forSignal(42) == ClientOrderID.forSignal(42))
        #expect(ClientOrderID.forSignal(42) != ClientOrderID.forSignal(43))
    }

    @Test func exitIDsAreDeterministicPerAttempt() {
        #expect(ClientOrderID.forExit(entryOrderID: 7, attempt: 0) == "k-exit-7-0")
        #expect(ClientOrderID.forExit(entryOrderID: 7, attempt: 0) == ClientOrderID.forExit(entryOrderID: 7, attempt: 0))
        #expect(ClientOrderID.forExit(entryOrderID: 7, attempt: 1) != ClientOrderID.forExit(entryOrderID: 7, attempt: 0))
        #expect(ClientOrderID.forExit(entryOrderID: 8, attempt: 0) != ClientOrderID.forExit(entryOrderID: 7, attempt: 0))
        // The separator keeps (1, 23) and (12, 3) apart.
        #expect(ClientOrderID.forExit(entryOrderID: 1, attempt: 23) != ClientOrderID.forExit(entryOrderID: 12, attempt: 3))
        // Entries and exits never share an id.
        #expect(ClientOrderID.forSignal(7) != ClientOrderID.forExit(entryOrderID: 7, attempt: 0))
    }

    /// Binance accepts client order ids of at most 36 characters.
    @Test func idsFitTheExchangeLimit() {
        #expect(ClientOrderID.forSignal(.max).count <= 36)
        #expect(ClientOrderID.forExit(entryOrderID: .max, attempt: 999).count <= 36)
    }
}
