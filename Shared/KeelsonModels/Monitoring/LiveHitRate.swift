/// How often the served model's "up" calls came true, as the model's test `hit_rate` counts them: a prediction
/// above ½ at a bar is resolved when the bar `horizon` later closes, a hit when that close is above the close it
/// was made at. The rate is over the last `window` resolved calls, the figure to hold against the test hit rate.
public struct LiveHitRate: Sendable {
    public let horizon: Int
    public let window: Int
    private var pending: [(close: Double, probability: Double)] = []
    private var outcomes: [Bool] = []
    private var next = 0
    private var hits = 0

    public init(horizon: Int, window: Int = 500) {
        precondition(horizon > 0 && window > 0, "a hit rate needs a horizon and a window of at least one bar")
        self.horizon = horizon
        self.window = window
    }

    /// Records a bar: its close resolves the prediction made `horizon` bars before; `probability` (nil while the
    /// model warms up) is the prediction made at this bar. Returns the resolved outcome of an "up" call (true for a
    /// hit), if one resolved.
    @discardableResult
    public mutating func observe(close: Double, probability: Double?) -> Bool? {
        pending.append((close, probability ?? .nan))
        guard pending.count > horizon else { return nil }
        let made = pending.removeFirst()
        guard made.probability > 0.5 else { return nil }
        let hit = close > made.close
        record(hit)
        return hit
    }

    /// Forgets the predictions still waiting for their outcome, when the bars after them were not seen.
    public mutating func dropPending() {
        pending.removeAll()
    }

    private mutating func record(_ hit: Bool) {
        if outcomes.count < window {
            outcomes.append(hit)
        } else {
            if outcomes[next] { hits -= 1 }
            outcomes[next] = hit
            next = (next + 1) % window
        }
        if hit { hits += 1 }
    }

    public var resolved: Int { outcomes.count }

    /// The share of hits among the resolved predictions in the window; nil before the first resolves.
    public var rate: Double? { outcomes.isEmpty ? nil : Double(hits) / Double(outcomes.count) }
}
