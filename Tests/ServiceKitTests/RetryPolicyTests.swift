import KeelsonServiceKit
import Testing

@Suite struct RetryPolicyTests {
    /// SplitMix64: deterministic, so the spread check below cannot be flaky.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func ceilingDoublesUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .milliseconds(500))
        #expect((1...5).map { policy.ceiling(forRetry: $0) } == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500)])
    }

    @Test func jitterStaysWithinTheCeiling() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(2))
        var generator = SystemRandomNumberGenerator()
        for attempt in 1...4 {
            for _ in 0..<200 {
                let delay = policy.delay(forRetry: attempt, using: &generator)
                #expect(delay >= .zero && delay <= policy.ceiling(forRetry: attempt))
            }
        }
    }

    @Test func jitterSpreadsDelaysAcrossTheWholeRange() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100))
        var generator = SeededGenerator(state: 42)
        let delays = (0..<1000).map { _ in policy.delay(forRetry: 1, using: &generator) }
        #expect(Set(delays).count > 900)
        #expect(delays.contains { $0 < .milliseconds(10) })
        #expect(delays.contains { $0 > .milliseconds(90) })
    }

    @Test func noneMeansOneAttempt() {
        #expect(RetryPolicy.none.maxAttempts == 1)
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }
}
