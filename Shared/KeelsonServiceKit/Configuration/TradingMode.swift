public enum TradingMode: String, Sendable, Codable, CaseIterable {
    case paper, live
}
