public enum TradeSide: String, Sendable, Codable, CaseIterable, Hashable {
    case buy, sell
}
