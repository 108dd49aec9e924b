import Hummingbird
import KeelsonPersistence

// The read repository's views are plain Codable values; the engine's routes answer with them as JSON.
extension TradingReadRepository.SessionView: ResponseEncodable {}
extension TradingReadRepository.PositionList: ResponseEncodable {}
extension TradingReadRepository.PortfolioView: ResponseEncodable {}
extension TradingReadRepository.OrderList: ResponseEncodable {}
extension TradingReadRepository.TradePage: ResponseEncodable {}
extension TradingReadRepository.PerformanceView: ResponseEncodable {}
extension TradingReadRepository.StrategyPortfolioView: ResponseEncodable {}
extension TradingReadRepository.StrategyView: ResponseEncodable {}
extension TradingReadRepository.ExecutionView: ResponseEncodable {}
extension TradingReadRepository.CapitalView: ResponseEncodable {}
extension TradingReadRepository.EquityCurveView: ResponseEncodable {}
