/// Paper trading (simulated fills, the default) or live trading on an exchange.
public enum TradingMode: String, Sendable, Codable, CaseIterable {
    case paper, live
}
