import KeelsonDomain
import Testing

@testable import KeelsonIndicators

/// The building blocks the indicators rely on for O(1) updates and bounded memory.
@Suite("Ring buffer, rolling extremum, sliding sum")
struct InternalsTests {
    @Test func ringBufferBehavesAsABoundedDeque() {
        var ring = RingBuffer<Int>(capacity: 3)
        var model: [Int] = []
        var random = SplitMix64(seed: 3)
        for step in 0..<2_000 {
            switch Int.random(in: 0..<3, using: &random) {
            case 0 where !ring.isEmpty:
                #expect(ring.removeFirst() == model.removeFirst())
            case 1 where !ring.isEmpty:
                #expect(ring.removeLast() == model.removeLast())
            default:
                if ring.isFull {
                    ring.removeFirst()
                    model.removeFirst()
                }
                ring.append(step)
                model.append(step)
            }
            #expect(ring.count == model.count && ring.count <= ring.capacity)
            #expect(ring.first == model.first && ring.last == model.last)
            #expect((0..<ring.count).map { ring[$0] } == model)
        }
    }

    @Test(arguments: [1, 2, 5, 31])
    func rollingExtremumMatchesARescan(window: Int) {
        var random = SplitMix64(seed: UInt64(window))
        var maximum = RollingExtremum(.maximum, window: window)
        var minimum = RollingExtremum(.minimum, window: window)
        var values: [Double] = []
        for _ in 0..<1_000 {
            // Few distinct values, so ties are common.
            let value = Double(Int.random(in: 0..<8, using: &random))
            values.append(value)
            let recent = values.suffix(window)
            #expect(maximum.add(value) == recent.max())
            #expect(minimum.add(value) == recent.min())
        }
    }

    @Test(arguments: [1, 3, 16])
    func slidingSumMatchesAFreshSum(capacity: Int) {
        var random = SplitMix64(seed: 99)
        var sum = SlidingWindowSum<Double>(capacity: capacity)
        var values: [Double] = []
        for _ in 0..<1_000 {
            let value = Int.random(in: 0..<5, using: &random) == 0 ? 1e16 : Double(Int.random(in: 0..<100, using: &random))
            sum.append(value)
            values.append(value)
            let recent = values.suffix(capacity)
            #expect(sum.count == recent.count)
            let fresh = recent.reduce(0, +)
            #expect(abs(sum.total - fresh) <= 1e-15 * recent.map(abs).reduce(0, +) * Double(capacity))
            if recent.allSatisfy({ $0 < 1e16 }) {
                // Integers well below 2^53: every partial sum is exact, so the total must be too.
                #expect(sum.total == fresh)
            }
        }
    }
}
