import KeelsonDomain
import KeelsonServiceKit
import Testing

@Suite struct RetryPolicyTests {
    @Test func ceilingDoublesUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .milliseconds(500))
        #expect(
            (1...5).map { policy.ceiling(forRetry: $0) } == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500),
            ])
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
        var generator = SplitMix64(seed: 42)
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
