import Foundation
import KeelsonDomain

/// SIGKILLs at random moments: before a step, with probability `chance`, a kill is scheduled 0–`maxDelay`
/// milliseconds later, so it lands while the process stores, decides or recovers.
public struct RandomKills {
    public var generator: SplitMix64
    public var remaining: Int
    public var chance: Double
    public var maxDelayMilliseconds: Int
    public private(set) var scheduled = 0

    public init(seed: UInt64, kills: Int, chance: Double, maxDelayMilliseconds: Int = 40) {
        generator = SplitMix64(seed: seed)
        remaining = kills
        self.chance = chance
        self.maxDelayMilliseconds = maxDelayMilliseconds
    }

    public mutating func maybeKill(_ child: ChildProcess) {
        guard remaining > 0, Double.random(in: 0..<1, using: &generator) < chance else { return }
        remaining -= 1
        scheduled += 1
        let delay = Int.random(in: 0...maxDelayMilliseconds, using: &generator)
        Task {
            try? await Task.sleep(for: .milliseconds(delay))
            child.signal(SIGKILL)
        }
    }
}
