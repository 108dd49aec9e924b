import KeelsonIndicators
import Testing

@Suite("Parameter validation")
struct ParameterValidationTests {
    /// The error thrown while building, nil if building succeeded; any other error type is a failure.
    private func rejection<Built>(_ build: () throws -> Built, sourceLocation: SourceLocation = #_sourceLocation) -> IndicatorError? {
        do {
            _ = try build()
            return nil
        } catch let error as IndicatorError {
            return error
        } catch {
            Issue.record("threw \(error), not an IndicatorError", sourceLocation: sourceLocation)
            return nil
        }
    }

    private func rejectedName<Built>(_ build: () throws -> Built, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        guard case let .invalidParameter(name, _, _)? = rejection(build, sourceLocation: sourceLocation) else { return nil }
        return name
    }

    @Test func descriptionIsOneSentenceNamingTheParameter() throws {
        // Typed throws: callers can catch an IndicatorError without casting.
        var caught: IndicatorError?
        do throws(IndicatorError) {
            _ = try SMA(period: 0)
        } catch {
            caught = error
        }
        let error = try #require(caught)
        #expect(error == .invalidParameter(name: "period", value: "0", allowed: "a whole number from 1 to 10000"))
        #expect(error.description == "period 0 is not allowed; expected a whole number from 1 to 10000")
    }

    @Test(arguments: [0, -1, 10_001, Int.max, Int.min])
    func periodsOutsideTheRangeAreRejected(period: Int) {
        #expect(rejectedName { try SMA(period: period) } == "period")
        #expect(rejectedName { try EMA(period: period) } == "period")
        #expect(rejectedName { try RSI(period: period) } == "period")
        #expect(rejectedName { try ATR(period: period) } == "period")
        #expect(rejectedName { try BollingerBands(period: period, k: 2) } == "period")
        #expect(rejectedName { try RollingVWAP(period: period) } == "period")
        #expect(rejectedName { try Stochastic(kPeriod: period, kSmoothing: 3, dPeriod: 3) } == "kPeriod")
        #expect(rejectedName { try Stochastic(kPeriod: 14, kSmoothing: period, dPeriod: 3) } == "kSmoothing")
        #expect(rejectedName { try Stochastic(kPeriod: 14, kSmoothing: 3, dPeriod: period) } == "dPeriod")
        #expect(rejectedName { try MACD(fast: 12, slow: 26, signal: period) } == "signal")
        #expect(rejectedName { try MACD(fast: period, slow: 26, signal: 9) } == "fast")
    }

    @Test func boundaryPeriodsAreAccepted() {
        #expect(rejection { try SMA(period: 1) } == nil)
        #expect(rejection { try SMA(period: 10_000) } == nil)
        #expect(rejection { try EMA(period: 1) } == nil)
        #expect(rejection { try ATR(period: 10_000) } == nil)
        #expect(rejection { try RSI(period: 2) } == nil)
        #expect(rejection { try RSI(period: 10_000) } == nil)
        #expect(rejection { try RollingVWAP(period: 10_000) } == nil)
        #expect(rejection { try Stochastic(kPeriod: 1, kSmoothing: 1, dPeriod: 1) } == nil)
        #expect(rejection { try Stochastic(kPeriod: 10_000, kSmoothing: 10_000, dPeriod: 10_000) } == nil)
        #expect(rejection { try MACD(fast: 1, slow: 2, signal: 1) } == nil)
        #expect(rejection { try MACD(fast: 9_999, slow: 10_000, signal: 10_000) } == nil)
        #expect(rejection { try BollingerBands(period: 1, k: 0.1) } == nil)
        #expect(rejection { try BollingerBands(period: 10_000, k: 10) } == nil)
    }

    @Test func rsiNeedsAtLeastTwoBars() throws {
        let error = try #require(rejection { try RSI(period: 1) })
        #expect(error == .invalidParameter(name: "period", value: "1", allowed: "a whole number from 2 to 10000"))
    }

    @Test func macdNeedsFastBelowSlow() throws {
        #expect(rejectedName { try MACD(fast: 26, slow: 26, signal: 9) } == "fast")
        #expect(rejectedName { try MACD(fast: 26, slow: 12, signal: 9) } == "fast")
        #expect(rejectedName { try MACD(fast: 1, slow: 1, signal: 9) } == "slow")
        #expect(rejectedName { try MACD(fast: 12, slow: 10_001, signal: 9) } == "slow")
        let error = try #require(rejection { try MACD(fast: 30, slow: 26, signal: 9) })
        #expect(error.description == "fast 30 is not allowed; expected a whole number from 1 to 25, below slow (26)")
    }

    @Test(arguments: [0.0, 0.09, 10.5, -2, .nan, .infinity])
    func bollingerKOutsideTheRangeIsRejected(k: Double) throws {
        let error = try #require(rejection { try BollingerBands(period: 20, k: k) })
        guard case let .invalidParameter(name, value, allowed) = error else { return }
        #expect(name == "k")
        #expect(value == String(k))
        #expect(allowed.contains("0.1 to 10"))
    }
}
