extension Duration {
    /// The duration in milliseconds, fractions included: what latency metrics and logs report.
    public var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
