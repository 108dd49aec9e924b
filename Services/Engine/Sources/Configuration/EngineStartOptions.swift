import KeelsonDomain

/// How this start treats the trading session: resume the open one (the default, also after a crash), or
/// end it and open a new one, funded with max capital or with the last recorded cash.
public struct EngineStartOptions: Sendable, Equatable {
    public var mode: TradingMode
    public var newSession: Bool
    public var resumeFromLastBalance: Bool

    public init(mode: TradingMode, newSession: Bool = false, resumeFromLastBalance: Bool = false) {
        self.mode = mode
        self.newSession = newSession
        self.resumeFromLastBalance = resumeFromLastBalance
    }
}
