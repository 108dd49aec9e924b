#!/usr/bin/env python3
"""Writes the provisioned Grafana dashboards (infrastructure/grafana/dashboards/*.json).

The JSON files are committed; edit the panels here and run `python3 infrastructure/grafana/generate-dashboards.py`.
scripts/check-deployment.sh fails when the committed JSON differs from what this script writes, and when a
query uses a metric that infrastructure/prometheus/alert-metrics.txt does not list.
"""
import json
import pathlib

DATASOURCE = {"type": "prometheus", "uid": "keelson-prometheus"}
LEADER = 'and on (job, instance) keelson_engine_leader == 1'
API = 'route!~"/health(/.*)?|/ready|/metrics|/ping"'


def panel(title, targets, unit="short", kind="timeseries", description="", decimals=None, thresholds=None, mappings=None):
    defaults = {"unit": unit}
    if decimals is not None:
        defaults["decimals"] = decimals
    if thresholds:
        defaults["thresholds"] = {"mode": "absolute", "steps": [{"color": c, "value": v} for v, c in thresholds]}
    if mappings:
        defaults["mappings"] = mappings
    options = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}, "tooltip": {"mode": "multi", "sort": "desc"}}
    if kind == "stat":
        options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "background", "graphMode": "none", "textMode": "auto"}
    elif kind == "table":
        options = {"showHeader": True}
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": options,
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend,
             **({"instant": True, "format": "table"} if kind == "table" else {})}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def dashboard(uid, title, description, rows):
    panels, y, next_id = [], 0, 1
    for row_title, row_panels in rows:
        panels.append({"type": "row", "title": row_title, "id": next_id, "collapsed": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        next_id += 1
        y += 1
        width = 24 // min(len(row_panels), 4)
        for i, p in enumerate(row_panels):
            height = 4 if p["type"] == "stat" else 8
            p["id"] = next_id
            next_id += 1
            p["gridPos"] = {"h": height, "w": width, "x": (i % 4) * width, "y": y + (i // 4) * 8}
            panels.append(p)
        y += 8 * ((len(row_panels) + 3) // 4)
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["keelson"],
        "timezone": "utc",
        "editable": True,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "links": [{"title": "Keelson dashboards", "type": "dashboards", "tags": ["keelson"], "asDropdown": True}],
        "panels": panels,
    }


UP_MAPPING = [{"type": "value", "options": {"0": {"text": "down", "color": "red"}, "1": {"text": "up", "color": "green"}}}]

overview = dashboard("keelson-overview", "Keelson / System overview", "Up, CPU, memory, request rate, errors and latency per service.", [
    ("Availability", [
        panel("Targets up", [('up{job=~"keelson-.*"}', "{{job}} {{instance}}")], kind="stat", mappings=UP_MAPPING, thresholds=[(None, "red"), (1, "green")]),
        panel("Database reachable", [('keelson_database_up{job=~"keelson-.*"}', "{{job}} {{instance}}")], kind="stat", mappings=UP_MAPPING, thresholds=[(None, "red"), (1, "green")],
              description="Each service's own check of PostgreSQL."),
        panel("Uptime", [('time() - process_start_time_seconds{job=~"keelson-.*"}', "{{job}} {{instance}}")], unit="s", kind="stat"),
        panel("Versions", [('keelson_build_info', "{{service}} {{version}}")], kind="table"),
    ]),
    ("Resources", [
        panel("CPU (cores)", [('rate(process_cpu_seconds_total{job=~"keelson-.*"}[5m])', "{{job}} {{instance}}")], unit="short", decimals=2),
        panel("Resident memory", [('process_resident_memory_bytes{job=~"keelson-.*"}', "{{job}} {{instance}}")], unit="bytes"),
        panel("Memory against the limit", [('process_resident_memory_bytes{job=~"keelson-.*"} / on (job, instance) (keelson_memory_limit_bytes > 0)', "{{job}} {{instance}}")],
              unit="percentunit", thresholds=[(None, "green"), (0.9, "red")]),
    ]),
    ("HTTP", [
        panel("Request rate", [(f'sum by (job) (rate(http_requests_total{{{API}}}[5m]))', "{{job}}")], unit="reqps"),
        panel("5xx error ratio", [('job:keelson_api_error_ratio:rate5m', "{{job}}")], unit="percentunit", thresholds=[(None, "green"), (0.01, "orange"), (0.05, "red")]),
        panel("Latency p50 / p95 / p99", [
            (f'histogram_quantile(0.5, sum by (job, le) (rate(http_request_duration_seconds_bucket{{{API}}}[5m])))', "{{job}} p50"),
            ('job:keelson_api_latency_seconds:p95_5m', "{{job}} p95"),
            (f'histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket{{{API}}}[5m])))', "{{job}} p99"),
        ], unit="s"),
        panel("Requests by route and status", [(f'sum by (job, route, status) (rate(http_requests_total{{{API}}}[5m]))', "{{job}} {{route}} {{status}}")], unit="reqps"),
    ]),
    ("Watchdog", [
        panel("Watchdog recoveries", [('sum by (action, result) (increase(keelson_watchdog_actions_total[15m]))', "{{action}} {{result}}")],
              description="What the gateway's watchdog did (probe_breaker, maintenance_on, maintenance_off) and how it ended; loop = held back by the recovery-loop guard. Supervisor restarts: keelson watchdog."),
        panel("Recovery loops", [('keelson_watchdog_recovery_loop == 1', "{{component}}")], kind="stat", thresholds=[(None, "green"), (1, "red")],
              description="Components the watchdog stopped acting on (KeelsonWatchdogRecoveryLoop)."),
        panel("Seconds since the watchdog looked", [('time() - max(keelson_watchdog_last_check_timestamp_seconds)', "seconds")], unit="s", kind="stat",
              thresholds=[(None, "green"), (300, "red")]),
        panel("Exchange breakers open", [('keelson_exchange_circuit_open', "{{job}} {{exchange}}")], kind="stat",
              mappings=[{"type": "value", "options": {"0": {"text": "closed", "color": "green"}, "1": {"text": "open", "color": "red"}}}]),
    ]),
    ("Backups", [
        panel("Age of the newest backup", [('time() - max(keelson_backup_last_success_timestamp_seconds)', "local"),
                                           ('time() - max(keelson_backup_offsite_last_success_timestamp_seconds > 0)', "off-site copy")],
              unit="s", kind="stat", thresholds=[(None, "green"), (93600, "red")]),
        panel("Newest backup's size", [('max(keelson_backup_size_bytes)', "size")], unit="bytes", kind="stat"),
        panel("Newest backup's duration", [('max(keelson_backup_duration_seconds)', "duration")], unit="s", kind="stat"),
        panel("Backups in the last 7 days", [('max(keelson_backup_count)', "backups")], kind="stat", thresholds=[(None, "red"), (6, "green")]),
    ]),
])

trading = dashboard("keelson-trading", "Keelson / Trading", "Equity, PnL, drawdown, positions, orders and fills of the engine that holds the leader lock.", [
    ("State", [
        panel("Trading state", [(f'keelson_engine_trading_state == 1 {LEADER}', "{{state}}")], kind="stat"),
        panel("Leader", [('keelson_engine_leader', "{{instance}}")], kind="stat",
              mappings=[{"type": "value", "options": {"0": {"text": "standby", "color": "blue"}, "1": {"text": "leader", "color": "green"}}}]),
        panel("Open positions", [(f'keelson_engine_open_positions {LEADER}', "positions")], kind="stat"),
        panel("Seconds since the last signal", [(f'keelson_engine_seconds_since_last_signal {LEADER}', "seconds")], unit="s", kind="stat"),
    ]),
    ("Portfolio", [
        panel("Equity and cash", [(f'keelson_engine_equity {LEADER}', "equity"), (f'keelson_engine_cash {LEADER}', "cash")], unit="short", decimals=2),
        panel("PnL today", [(f'keelson_engine_daily_pnl {LEADER}', "daily PnL")], unit="short", decimals=2),
        panel("Drawdown", [(f'keelson_engine_drawdown_percent {LEADER}', "drawdown")], unit="percent", thresholds=[(None, "green"), (10, "orange"), (15, "red")]),
        panel("Daily loss against its limit", [
            (f'-100 * keelson_engine_daily_pnl / (keelson_engine_equity - keelson_engine_daily_pnl) {LEADER}', "loss today %"),
            ('keelson_engine_daily_loss_limit_percent', "limit %"),
        ], unit="percent"),
    ]),
    ("Orders and fills", [
        panel("Working orders by state", [(f'keelson_engine_open_orders {LEADER}', "{{state}}")]),
        panel("Order transitions", [('sum by (state) (increase(keelson_engine_order_transitions_total[15m]))', "{{state}}")]),
        panel("Fills", [('sum by (side) (increase(keelson_engine_fills_total[15m]))', "{{side}}")]),
        panel("Signals decided", [('sum by (outcome, code) (increase(keelson_engine_signals_total[15m]))', "{{outcome}} {{code}}")]),
    ]),
])

marketdata = dashboard("keelson-marketdata", "Keelson / Market data", "Data age, ingest rate, provider errors and the push of candles to subscribers.", [
    ("Freshness", [
        panel("Age of the newest stored candle", [('time() - max by (symbol) (keelson_market_data_last_stored_timestamp_seconds)', "{{symbol}}")], unit="s",
              thresholds=[(None, "green"), (300, "red")]),
        panel("Candle age when stored", [('keelson_market_data_age_seconds', "{{symbol}} {{instance}}")], unit="s"),
        panel("Circuit breakers open", [('keelson_circuit_breaker_open', "{{job}} {{breaker}}")], kind="stat",
              mappings=[{"type": "value", "options": {"0": {"text": "closed", "color": "green"}, "1": {"text": "open", "color": "red"}}}]),
    ]),
    ("Ingest", [
        panel("Candles ingested per minute", [('sum by (symbol) (rate(keelson_candles_ingested_total[5m])) * 60', "{{symbol}}")]),
        panel("Provider errors per minute", [('sum by (provider) (rate(keelson_provider_errors_total[5m])) * 60', "{{provider}}")]),
    ]),
    ("Push to subscribers", [
        panel("Push latency p95", [('histogram_quantile(0.95, sum by (subscriber, le) (rate(keelson_candle_push_seconds_bucket[5m])))', "{{subscriber}}")], unit="s"),
        panel("Push failures per minute", [('sum by (subscriber) (rate(keelson_candle_push_failures_total[5m])) * 60', "{{subscriber}}")]),
        panel("Candles received by the signal service per minute", [('sum(rate(keelson_signals_candles_received_total[5m])) * 60', "received")]),
        panel("Signals emitted per hour", [('sum by (strategy) (increase(keelson_signals_emitted_total[1h]))', "{{strategy}}")]),
    ]),
])

execution = dashboard("keelson-execution", "Keelson / Execution quality", "Slippage against the decision price and broker latency of fills.", [
    ("Slippage", [
        panel("Slippage p50 / p95 (bps, positive is worse)", [
            ('histogram_quantile(0.5, sum by (le) (rate(keelson_engine_slippage_bps_bucket[1h])))', "p50"),
            ('histogram_quantile(0.95, sum by (le) (rate(keelson_engine_slippage_bps_bucket[1h])))', "p95"),
        ], unit="short", decimals=1),
        panel("Average slippage (bps)", [('sum(rate(keelson_engine_slippage_bps_sum[1h])) / sum(rate(keelson_engine_slippage_bps_count[1h]))', "average")], unit="short", decimals=2),
    ]),
    ("Latency", [
        panel("Fill latency p50 / p95 / p99", [
            ('histogram_quantile(0.5, sum by (le) (rate(keelson_engine_fill_latency_milliseconds_bucket[1h])))', "p50"),
            ('histogram_quantile(0.95, sum by (le) (rate(keelson_engine_fill_latency_milliseconds_bucket[1h])))', "p95"),
            ('histogram_quantile(0.99, sum by (le) (rate(keelson_engine_fill_latency_milliseconds_bucket[1h])))', "p99"),
        ], unit="ms"),
        panel("Strategy evaluation p95", [('histogram_quantile(0.95, sum by (strategy, le) (rate(keelson_strategy_evaluation_seconds_bucket[15m])))', "{{strategy}}")], unit="s"),
    ]),
    ("Outcomes", [
        panel("Fills per hour", [('sum by (side) (increase(keelson_engine_fills_total[1h]))', "{{side}}")]),
        panel("Rejected signals per hour by risk code", [('sum by (code) (increase(keelson_engine_signals_total{outcome="rejected"}[1h]))', "{{code}}")]),
    ]),
])

if __name__ == "__main__":
    out = pathlib.Path(__file__).resolve().parent / "dashboards"
    out.mkdir(exist_ok=True)
    for name, board in [("overview", overview), ("trading", trading), ("marketdata", marketdata), ("execution", execution)]:
        (out / f"keelson-{name}.json").write_text(json.dumps(board, indent=2, sort_keys=True) + "\n")
