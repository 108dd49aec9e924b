/// The broker could not be asked (the exchange is unreachable, refuses, or answers nonsense): nothing was
/// decided, so the caller tries again later.
struct BrokerUnavailable: Error, CustomStringConvertible {
    var broker: String
    var detail: String

    var description: String { "\(broker) cannot be asked: \(detail)" }
}
