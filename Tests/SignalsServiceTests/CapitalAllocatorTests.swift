import Foundation
import KeelsonDomain
import KeelsonPortfolio
import KeelsonStrategies
import SignalsService
import Testing

@Suite("Capital allocation: the limit split across instances, never more than the limit")
struct CapitalAllocatorTests {
    @Test("equal risk tilted by Sharpe, probation at half weight, candidates, retired and disabled at none")
    func worked() {
        let allocator = CapitalAllocator(floorShare: 0.05, capShare: 0.4, probationWeight: 0.5, sharpeTilt: 0.25)
        let allocations = allocator.allocate(
            [
                .init(instance: "a", status: .active, sharpe: 2), .init(instance: "b", status: .active, sharpe: nil),
                .init(instance: "c", status: .probation, sharpe: -1), .init(instance: "d", status: .candidate, sharpe: 3),
                .init(instance: "e", status: .retired, sharpe: 1),
            ], limit: 10_000)
        // Weights 1.5 (Sharpe 2 tilts ×1.5), 1 and 0.375 (half weight, Sharpe −1 tilts ×0.75): a would get 52 %, capped at
        // 40 %; of the 60 % left b would get 43.6 %, capped too; c takes the remaining 20 %.
        let shares = Dictionary(uniqueKeysWithValues: allocations.map { ($0.instance, $0.share) })
        #expect(shares["a"] == 0.4 && shares["b"] == 0.4)
        #expect(abs((shares["c"] ?? 0) - 0.2) < 1e-12)
        #expect(shares["d"] == 0 && shares["e"] == 0)
        #expect(allocations[0].amount == 4_000 && allocations[1].amount == 4_000 && allocations[3].amount == 0 && allocations[4].amount == 0)
        // 0.2 in binary is a hair under or over: rounded down to the cent it is 2,000.00 or 1,999.99, never more.
        #expect(allocations[2].amount >= Decimal(string: "1999.99")! && allocations[2].amount <= 2_000)
    }

    @Test("over 2,000 random portfolios: amounts add up to at most the limit, shares within the cap, none for non-trading states")
    func neverAboveTheLimit() {
        var random = SplitMix64(seed: 20_261_205)
        for _ in 0..<2_000 {
            let floor = Double.random(in: 0...0.2, using: &random)
            let allocator = CapitalAllocator(
                floorShare: floor, capShare: Double.random(in: max(floor, 0.01)...1, using: &random),
                probationWeight: Double.random(in: 0...1, using: &random), sharpeTilt: Double.random(in: 0...1, using: &random))
            let inputs = (0..<Int.random(in: 0...40, using: &random)).map { index in
                CapitalAllocator.Input(
                    instance: "s\(index)", status: StrategyStatus.allCases.randomElement(using: &random)!,
                    sharpe: Bool.random(using: &random) ? nil : Double.random(in: -5...5, using: &random))
            }
            let limit = Decimal(Int.random(in: 0...5_000_000, using: &random)) / 100
            let allocations = allocator.allocate(inputs, limit: limit)
            #expect(allocations.reduce(Decimal(0)) { $0 + $1.amount } <= limit)
            #expect(allocations.allSatisfy { $0.amount >= 0 && $0.share >= 0 && $0.share <= allocator.capShare + 1e-12 })
            for (input, allocation) in zip(inputs, allocations) where !input.status.takesEntries {
                #expect(allocation.share == 0, "\(input.status) got \(allocation.share)")
            }
        }
    }
}
