#!/usr/bin/env bash
# `make bench`: builds the benchmarks in release mode and runs them; figures go to docs/BENCHMARKS.md by hand.
# The database benchmarks use DATABASE_URL, or a throwaway cluster when it is unset (with durability settings
# left at PostgreSQL's defaults, so the figures mean what they would in production).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres-lib.sh

if [ -z "${DATABASE_URL:-}" ]; then
    start_throwaway_cluster
fi

# The gateway benchmark drives load with wrk (Debian's package).
if ! command -v wrk >/dev/null 2>&1; then
    echo "installing wrk for the gateway benchmark..."
    # A fresh machine's package lists may be empty: update them when the first attempt finds nothing.
    apt() { if [ "$(id -u)" = 0 ]; then apt-get "$@"; else sudo apt-get "$@"; fi; }
    apt install -y -qq wrk >/dev/null 2>&1 || { apt update -qq >/dev/null 2>&1 && apt install -y -qq wrk >/dev/null 2>&1; } || true
fi

swift build -c release --product keelson-bench
bench="$(swift build -c release --show-bin-path)/keelson-bench"
if [ -n "${KEELSON_BENCH:-}" ]; then
    "$bench"
else
    # The backtest and the optimiser run in processes of their own, so each peak memory is its own.
    KEELSON_BENCH=backfill,engine,gateway,portfolio,indicators "$bench"
    KEELSON_BENCH=backtest "$bench"
    KEELSON_BENCH=optimize "$bench"
    KEELSON_BENCH=models "$bench"
fi
if [ -z "${KEELSON_BENCH:-}" ] || [[ ",$KEELSON_BENCH," == *",backtest,"* || ",$KEELSON_BENCH," == *",optimize,"* || ",$KEELSON_BENCH," == *",models,"* ]]; then
    scripts/bench-peers.sh
fi
