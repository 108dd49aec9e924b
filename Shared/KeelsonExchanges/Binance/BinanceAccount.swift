import Foundation
import KeelsonDomain

/// `GET /api/v3/account`: whether the account may trade, and its balances.
public struct BinanceAccount: Sendable, Equatable, Decodable {
    public struct Balance: Sendable, Equatable, Decodable {
        public var asset: String
        public var free: Decimal
        public var locked: Decimal

        enum CodingKeys: String, CodingKey { case asset, free, locked }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            asset = try container.decode(String.self, forKey: .asset)
            free = try container.decodeDecimalString(forKey: .free)
            locked = try container.decodeDecimalString(forKey: .locked)
        }
    }

    public var canTrade: Bool
    public var accountType: String
    public var balances: [Balance]
    public var permissions: [String]

    enum CodingKeys: String, CodingKey { case canTrade, accountType, balances, permissions }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        canTrade = try container.decode(Bool.self, forKey: .canTrade)
        accountType = try container.decode(String.self, forKey: .accountType)
        balances = try container.decode([Balance].self, forKey: .balances)
        permissions = try container.decodeIfPresent([String].self, forKey: .permissions) ?? []
    }

    /// The free amount of `asset`, 0 when the account has none.
    public func free(_ asset: String) -> Decimal {
        balances.first { $0.asset == asset }?.free ?? 0
    }
}
