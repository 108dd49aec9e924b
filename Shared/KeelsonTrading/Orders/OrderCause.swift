/// Why an order exists; stored with it, and the exit reason of the trade it closes.
public enum OrderCause: String, Sendable, Codable, CaseIterable {
    case signal
    case stopLoss = "stop_loss"
    case takeProfit = "take_profit"
    case trailingStop = "trailing_stop"
    case closeAll = "close_all"
    /// Recorded by hand (`keelson db close-position`, `emergency-close-all`): closed outside the engine.
    case manual
}
