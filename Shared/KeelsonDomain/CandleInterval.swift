/// A bar length, named as exchanges name them.
public enum CandleInterval: String, Sendable, Codable, CaseIterable, Hashable {
    case oneMinute = "1m", threeMinutes = "3m", fiveMinutes = "5m", fifteenMinutes = "15m", thirtyMinutes = "30m"
    case oneHour = "1h", twoHours = "2h", fourHours = "4h", sixHours = "6h", eightHours = "8h", twelveHours = "12h"
    case oneDay = "1d", threeDays = "3d", oneWeek = "1w"

    public var seconds: Int64 {
        switch self {
        case .oneMinute: 60
        case .threeMinutes: 180
        case .fiveMinutes: 300
        case .fifteenMinutes: 900
        case .thirtyMinutes: 1_800
        case .oneHour: 3_600
        case .twoHours: 7_200
        case .fourHours: 14_400
        case .sixHours: 21_600
        case .eightHours: 28_800
        case .twelveHours: 43_200
        case .oneDay: 86_400
        case .threeDays: 259_200
        case .oneWeek: 604_800
        }
    }

    public static var allowedList: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public init(parsing text: String) throws(DomainError) {
        guard let interval = CandleInterval(rawValue: text) else {
            throw DomainError.invalid(field: "interval", value: text, expected: "one of \(Self.allowedList)")
        }
        self = interval
    }
}
