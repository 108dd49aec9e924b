import Foundation
import KeelsonStrategies

/// How the capital limit is split across strategy instances: equal risk, tilted by each instance's Sharpe ratio,
/// within a floor and a cap per instance. Active instances weigh 1, probation ones `probationWeight`, candidates,
/// retired and disabled ones nothing. Shares never add up to more than 1, so the amounts never exceed the limit;
/// what the cap leaves over stays unallocated.
public struct CapitalAllocator: Sendable, Equatable {
    public var floorShare: Double
    public var capShare: Double
    public var probationWeight: Double
    /// How much one unit of Sharpe moves an instance's weight (clamped to ×0.5–×1.5).
    public var sharpeTilt: Double

    public init(floorShare: Double = 0.05, capShare: Double = 0.4, probationWeight: Double = 0.5, sharpeTilt: Double = 0.25) {
        self.floorShare = floorShare
        self.capShare = capShare
        self.probationWeight = probationWeight
        self.sharpeTilt = sharpeTilt
    }

    public struct Input: Sendable, Equatable {
        public var instance: String
        public var status: StrategyStatus
        public var sharpe: Double?

        public init(instance: String, status: StrategyStatus, sharpe: Double?) {
            self.instance = instance
            self.status = status
            self.sharpe = sharpe
        }
    }

    public struct Allocation: Sendable, Equatable {
        public var instance: String
        public var share: Double
        public var amount: Decimal
    }

    public func allocate(_ inputs: [Input], limit: Decimal) -> [Allocation] {
        var weights: [String: Double] = [:]
        for input in inputs {
            let base: Double
            switch input.status {
            case .active: base = 1
            case .probation: base = probationWeight
            case .candidate, .retired, .disabled: base = 0
            }
            let tilt = min(1.5, max(0.5, 1 + sharpeTilt * (input.sharpe ?? 0)))
            weights[input.instance] = base * tilt
        }
        let shares = bounded(weights.filter { $0.value > 0 })
        return inputs.map { input in
            let share = shares[input.instance] ?? 0
            // Rounded down to the cent so the amounts can never add up to more than the limit.
            let amount = (limit * Decimal(share)).rounded(scale: 2, .down)
            return Allocation(instance: input.instance, share: share, amount: max(0, amount))
        }
    }

    /// Normalised weights within [floor, cap]: pinned instances are fixed and the rest re-normalised, until none moves.
    private func bounded(_ weights: [String: Double]) -> [String: Double] {
        guard !weights.isEmpty else { return [:] }
        let floor = min(floorShare, 1 / Double(weights.count))
        var pinned: [String: Double] = [:]
        while true {
            let free = weights.filter { pinned[$0.key] == nil }
            let room = max(0, 1 - pinned.values.reduce(0, +))
            let total = free.values.reduce(0, +)
            guard total > 0 else { return Self.withinOne(pinned) }
            var changed = false
            for (instance, weight) in free {
                let share = weight / total * room
                if share > capShare {
                    pinned[instance] = capShare
                    changed = true
                } else if share < floor {
                    pinned[instance] = floor
                    changed = true
                }
            }
            if !changed { return Self.withinOne(pinned.merging(free.mapValues { $0 / total * room }) { pinned, _ in pinned }) }
        }
    }

    /// Floors pinned beside caps can add up to more than the whole; the limit wins over the floor.
    private static func withinOne(_ shares: [String: Double]) -> [String: Double] {
        let sum = shares.values.reduce(0, +)
        return sum > 1 ? shares.mapValues { $0 / sum } : shares
    }
}
