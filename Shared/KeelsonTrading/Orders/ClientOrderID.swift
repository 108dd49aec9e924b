/// Client order ids derived from what caused the order, so the same cause can never produce two orders: the
/// database refuses a second row with the same id, and exchanges refuse a second order with it.
public enum ClientOrderID {
    /// The order a stored signal caused.
    public static func forSignal(_ signalID: Int64) -> String { "k-sig-\(signalID)" }

    /// The exit that closes the position opened by `entryOrderID`, whatever fired it (stop, take-profit,
    /// close-all). `attempt` counts the position's earlier exit orders, so an exit canceled by the kill switch
    /// can be followed by a new one while a retried exit can never be doubled.
    public static func forExit(entryOrderID: Int64, attempt: Int) -> String { "k-exit-\(entryOrderID)-\(attempt)" }
}
