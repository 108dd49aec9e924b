import Foundation

extension CandleCSV {
    /// How a file writes its times, so outputs can write times "as in the input file" without keeping every
    /// row's text: epoch milliseconds, a date, or a date and time (with `T` or a space, with or without seconds
    /// and a `Z`). Anything else is written as ISO-8601 with a `Z`.
    public enum TimeStyle: Sendable, Equatable {
        case epochMilliseconds
        case date
        case dateTime(separator: Character, seconds: Bool, zulu: Bool)
        case iso8601

        /// The style of `text` when writing its own time back gives `text` again; ISO-8601 otherwise.
        public static func of(_ text: String, time: Date) -> TimeStyle {
            let candidates: [TimeStyle] = [
                .epochMilliseconds, .date,
                .dateTime(separator: "T", seconds: true, zulu: true), .dateTime(separator: " ", seconds: true, zulu: false),
                .dateTime(separator: "T", seconds: true, zulu: false), .dateTime(separator: " ", seconds: true, zulu: true),
                .dateTime(separator: "T", seconds: false, zulu: true), .dateTime(separator: " ", seconds: false, zulu: false),
                .dateTime(separator: "T", seconds: false, zulu: false), .dateTime(separator: " ", seconds: false, zulu: true),
            ]
            return candidates.first { $0.format(time) == text } ?? .iso8601
        }

        public func format(_ time: Date) -> String {
            let milliseconds = Int64((time.timeIntervalSince1970 * 1000).rounded())
            if case .epochMilliseconds = self { return String(milliseconds) }
            let seconds = Int(milliseconds.floorDivided(by: 1000).quotient)
            let day = seconds.floorDivided(by: 86_400).quotient
            let (year, month, dayOfMonth) = UTCCalendar.civil(days: day)
            var text = Self.digits(year, 4) + "-" + Self.digits(month, 2) + "-" + Self.digits(dayOfMonth, 2)
            let secondOfDay = seconds - day * 86_400
            let clock = Self.digits(secondOfDay / 3600, 2) + ":" + Self.digits(secondOfDay / 60 % 60, 2)
            switch self {
            case .epochMilliseconds, .date:
                return text
            case .dateTime(let separator, let withSeconds, let zulu):
                text.append(separator)
                text += clock
                if withSeconds { text += ":" + Self.digits(secondOfDay % 60, 2) }
                return zulu ? text + "Z" : text
            case .iso8601:
                return text + "T" + clock + ":" + Self.digits(secondOfDay % 60, 2) + "Z"
            }
        }

        static func digits(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
    }
}
