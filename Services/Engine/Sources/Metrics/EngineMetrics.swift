import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonServiceKit
import KeelsonTrading
import Prometheus

/// The engine's Prometheus metrics: portfolio gauges, orders by state, fills with slippage and latency, the
/// trading state, the leader role and signal freshness.
struct EngineMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    init(_ metrics: ServiceMetrics) {
        registry = metrics.registry
    }

    private func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "keelson", subsystem: "engine", metricName: name, helpText: help), labels: labels)
    }

    private func counter(_ name: String, _ help: String, labels: [(String, String)] = []) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "keelson", subsystem: "engine", metricName: name, unitName: "total", helpText: help),
            labels: labels)
    }

    func portfolio(equity: Decimal, cash: Decimal, dailyPnl: Decimal, drawdownPercent: Decimal, openPositions: Int) {
        gauge("equity", "Cash plus positions at the last mark, in quote currency.").set(equity.doubleValue)
        gauge("cash", "Cash in quote currency.").set(cash.doubleValue)
        gauge("daily_pnl", "Equity change since the start of the trading day (UTC, market time).").set(dailyPnl.doubleValue)
        gauge("drawdown_percent", "Drop of equity from its peak, in percent.").set(drawdownPercent.doubleValue)
        gauge("open_positions", "Open positions.").set(Double(openPositions))
    }

    func openOrders(_ counts: [OrderStatus: Int]) {
        for status in OrderStatus.allCases where status.isOpen {
            gauge("open_orders", "Working orders by state.", labels: [("state", status.rawValue)]).set(Double(counts[status] ?? 0))
        }
    }

    func orderTransition(_ status: OrderStatus) {
        counter("order_transitions", "Orders entering each state.", labels: [("state", status.rawValue)]).increment()
    }

    func fill(side: TradeSide, slippageBps: Decimal, latencyMilliseconds: Double) {
        counter("fills", "Fills recorded.", labels: [("side", side.rawValue)]).increment()
        registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", subsystem: "engine", metricName: "slippage", unitName: "bps",
                helpText: "Fill price against the price expected at decision time, in basis points (positive: worse)."),
            buckets: [-10, 0, 1, 2, 5, 10, 20, 50, 100]
        ).record(slippageBps.doubleValue)
        registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", subsystem: "engine", metricName: "fill_latency", unitName: "milliseconds",
                helpText: "Broker latency of each fill."),
            buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000]
        ).record(latencyMilliseconds)
    }

    /// The limits the alert rules compare against, so the rules need no copy of the configuration.
    func riskLimits(_ risk: RiskSettings) {
        gauge("daily_loss_limit_percent", "The configured daily loss limit, in percent of the day's starting equity.").set(
            risk.dailyLossLimitPercent.doubleValue)
        gauge("max_drawdown_limit_percent", "The configured maximum drawdown, in percent of peak equity.").set(risk.maxDrawdownPercent.doubleValue)
    }

    /// Wall-clock time of the newest fill (the session's start before any): the no-trades alert watches it.
    func lastFill(at time: Date) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", subsystem: "engine", metricName: "last_fill", unitName: "timestamp_seconds",
                helpText: "Unix time of the newest fill of the session (its start before any fill)."
            )
        ).set(time.timeIntervalSince1970)
    }

    func tradingState(_ state: TradingState) {
        for candidate in TradingState.allCases {
            gauge("trading_state", "1 for the current trading state (active, halted, stopped).", labels: [("state", candidate.rawValue)]).set(
                candidate == state ? 1.0 : 0.0)
        }
    }

    func role(leader: Bool) {
        gauge("leader", "1 when this instance holds the leader lock and trades, 0 on a standby.").set(leader ? 1.0 : 0.0)
    }

    func signalDecided(_ outcome: String, code: String = "") {
        counter("signals", "Signals decided: ordered, rejected (with the risk code) or duplicate.", labels: [("outcome", outcome), ("code", code)])
            .increment()
    }

    func secondsSinceLastSignal(_ last: Date?) {
        gauge("seconds_since_last_signal", "Seconds since the engine last decided a signal (-1: none yet this session).").set(
            last.map { Date.now.timeIntervalSince($0) } ?? -1)
    }

    /// Live mode: the differences the last comparison of the account with the books found, by kind.
    func restingStopReplaced(_ reason: String) {
        counter("resting_stop_replacements", "Resting stops canceled and placed again (resize, trailing).", labels: [("reason", reason)]).increment()
    }

    func reconciliation(_ differences: [AccountDifference]) {
        counter("reconciliations", "Comparisons of the exchange account with the books (live mode).").increment()
        for kind in AccountDifference.Kind.allCases {
            gauge(
                "reconciliation_differences", "Differences between the exchange account and the books at the last comparison.",
                labels: [("kind", kind.rawValue)]
            )
            .set(Double(differences.filter { $0.kind == kind }.count))
        }
    }
}
