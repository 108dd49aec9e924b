import Foundation

/// What a model learns to predict. `next_return:h=H`: 1 when the close H bars ahead is above the close now,
/// else 0. The last H bars have no label and are not used for training.
public enum LabelName: Hashable, Sendable, CustomStringConvertible, Codable {
    case nextReturn(horizon: Int)

    public static let usage = "next_return:h=H (H a whole number of bars from 1 to 10000)"

    public init(parsing text: String) throws(ModelError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let prefix = "next_return:h="
        guard trimmed.lowercased().hasPrefix(prefix) else { throw ModelError("unknown label '\(trimmed)'; the label is \(Self.usage)") }
        guard let horizon = Int(trimmed.dropFirst(prefix.count)), (1...10_000).contains(horizon) else {
            throw ModelError("label '\(trimmed)': the horizon must be a whole number of bars from 1 to 10000")
        }
        self = .nextReturn(horizon: horizon)
    }

    public var horizon: Int {
        switch self {
        case let .nextReturn(horizon): horizon
        }
    }

    public var description: String {
        switch self {
        case let .nextReturn(horizon): "next_return:h=\(horizon)"
        }
    }

    /// The label of the bar whose close is `now`, given the close `horizon` bars later.
    func label(now: Double, later: Double) -> Double {
        later > now ? 1 : 0
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try LabelName(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
