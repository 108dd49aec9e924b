import Foundation
import KeelsonDomain

/// What a synthetic market looks like: its price level on a reference day, its volatility, its typical volume and
/// the precision an exchange quotes it in. BTCUSDT and ETHUSDT are calibrated to Binance spot in early 2024
/// (data/sample/README.md gives the figures and their sources); any other symbol gets a generic market whose level
/// is fixed by its name.
public struct MarketProfile: Sendable, Equatable {
    /// The daily level at midnight UTC of `referenceDate`; other days walk from it, forwards and backwards.
    public var referencePrice: Double
    public var referenceDate: Date
    /// Annualised volatility of 1-minute returns (365-day year: crypto trades every day).
    public var annualVolatility: Double
    /// Mean traded quantity per minute, in the base asset.
    public var meanMinuteVolume: Double
    public var priceDecimals: Int
    public var volumeDecimals: Int

    public init(
        referencePrice: Double, referenceDate: Date, annualVolatility: Double, meanMinuteVolume: Double, priceDecimals: Int,
        volumeDecimals: Int
    ) {
        self.referencePrice = referencePrice
        self.referenceDate = referenceDate
        self.annualVolatility = annualVolatility
        self.meanMinuteVolume = meanMinuteVolume
        self.priceDecimals = priceDecimals
        self.volumeDecimals = volumeDecimals
    }

    /// The standard deviation of one minute's log return.
    var minuteVolatility: Double { annualVolatility / (365.0 * 1_440).squareRoot() }

    /// 2024-03-01T00:00:00Z: the first day of the sample data.
    static let sampleStart = Date(timeIntervalSince1970: 1_709_251_200)

    public static func forSymbol(_ symbol: Symbol) -> MarketProfile {
        switch symbol.rawValue {
        case "BTCUSDT":
            MarketProfile(
                referencePrice: 61_500, referenceDate: sampleStart, annualVolatility: 0.50, meanMinuteVolume: 20, priceDecimals: 2,
                volumeDecimals: 5)
        case "ETHUSDT":
            MarketProfile(
                referencePrice: 3_400, referenceDate: sampleStart, annualVolatility: 0.65, meanMinuteVolume: 220, priceDecimals: 2,
                volumeDecimals: 4)
        default:
            // A level between 10 and 1,000 fixed by the name, so unrelated symbols do not all trade at one price.
            MarketProfile(
                referencePrice: 10 * pow(100, Double(SyntheticBars.stableHash(symbol.rawValue) % 10_000) / 10_000),
                referenceDate: SyntheticBars.epoch, annualVolatility: 0.50, meanMinuteVolume: 10, priceDecimals: 4, volumeDecimals: 4)
        }
    }
}
