import Foundation
import KeelsonDomain
import Logging
import PostgresNIO

/// One instance's part of the capital limit, as computed at `computedAt`.
public struct CapitalAllocationRecord: Sendable, Equatable, Codable {
    public var instance: String
    public var status: String
    public var share: Double
    public var amount: Decimal
    public var computedAt: Date
    public var inputs: [String: String]

    public init(instance: String, status: String, share: Double, amount: Decimal, computedAt: Date, inputs: [String: String]) {
        self.instance = instance
        self.status = status
        self.share = share
        self.amount = amount
        self.computedAt = computedAt
        self.inputs = inputs
    }

    enum CodingKeys: String, CodingKey {
        case instance, status, share, amount, inputs
        case computedAt = "computed_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        instance = try container.decode(String.self, forKey: .instance)
        status = try container.decode(String.self, forKey: .status)
        share = try container.decode(Double.self, forKey: .share)
        amount = try container.decodeDecimalString(forKey: .amount)
        computedAt = try container.decode(Date.self, forKey: .computedAt)
        inputs = try container.decode([String: String].self, forKey: .inputs)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(instance, forKey: .instance)
        try container.encode(status, forKey: .status)
        try container.encode(share, forKey: .share)
        try container.encode(amount.description, forKey: .amount)
        try container.encode(computedAt, forKey: .computedAt)
        try container.encode(inputs, forKey: .inputs)
    }
}

/// `capital_allocations`: every computation that changed something, one row per instance.
public struct PostgresCapitalAllocationStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Writes the computation when any instance's status, share or amount differs from the latest one; true if written.
    @discardableResult
    public func record(_ allocations: [CapitalAllocationRecord], limit: Decimal) async throws -> Bool {
        let latest = try await latest()
        func key(_ rows: [CapitalAllocationRecord]) -> [String] {
            rows.map { "\($0.instance) \($0.status) \(String(format: "%.6f", $0.share)) \($0.amount)" }.sorted()
        }
        guard !allocations.isEmpty, key(latest) != key(allocations) else { return false }
        try await client.transaction(logger: logger) { connection in
            for allocation in allocations {
                let inputs = String(decoding: try JSONEncoder().encode(allocation.inputs), as: UTF8.self)
                try await connection.query(
                    """
                    INSERT INTO capital_allocations (computed_at, instance, status, share, amount, capital_limit, inputs)
                    VALUES (\(allocation.computedAt), \(allocation.instance), \(allocation.status), \(allocation.share), \(allocation.amount),
                            \(limit), \(inputs)::jsonb)
                    """, logger: logger)
            }
        }
        return true
    }

    /// The newest computation, by instance.
    public func latest() async throws -> [CapitalAllocationRecord] {
        return try await client.read(
            """
            SELECT instance, status, share, amount, computed_at, inputs::text FROM capital_allocations
            WHERE computed_at = (SELECT max(computed_at) FROM capital_allocations) ORDER BY instance
            """, logger: logger
        ) { rows in
            var result: [CapitalAllocationRecord] = []
            for try await (instance, status, share, amount, computed, inputs) in rows.decode((String, String, Double, Decimal, Date, String).self) {
                result.append(
                    CapitalAllocationRecord(
                        instance: instance, status: status, share: share, amount: amount, computedAt: computed,
                        inputs: (try? JSONDecoder().decode([String: String].self, from: Data(inputs.utf8))) ?? [:]))
            }
            return result
        }
    }
}
