#!/usr/bin/env bash
# `make soak`: the four services for SOAK_MINUTES (30) on a throwaway PostgreSQL, under load: SOAK_SYMBOLS (200)
# synthetic 1-minute series replayed at 10× real time (the collector stores and pushes them; the signal service runs
# two strategies on every symbol; the engine trades them), and SOAK_READERS (200) concurrent dashboard readers on the
# gateway (wrk). Every 30 s it samples each service's resident memory and open file descriptors and the database's
# connections; at the end it prints the figures, wrk's latency percentiles, and fails when a service's memory grew by
# more than 10 % after the warm-up (the first fifth), or descriptors or connections kept growing (a leak).
# Figures go to docs/BENCHMARKS.md by hand. SOAK_CONFIGURATION=release measures release binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres-lib.sh

minutes="${SOAK_MINUTES:-30}"
symbols="${SOAK_SYMBOLS:-200}"
readers="${SOAK_READERS:-200}"
configuration="${SOAK_CONFIGURATION:-debug}"
case "$minutes$symbols$readers" in *[!0-9]*) echo "error: SOAK_MINUTES, SOAK_SYMBOLS and SOAK_READERS are whole numbers" >&2; exit 2 ;; esac
[ "$minutes" -ge 2 ] || { echo "error: SOAK_MINUTES must be at least 2 (the first fifth is the warm-up)" >&2; exit 2; }

if ! command -v wrk >/dev/null 2>&1; then
    echo "installing wrk for the readers..."
    apt() { if [ "$(id -u)" = 0 ]; then apt-get "$@"; else sudo apt-get "$@"; fi; }
    apt install -y -qq wrk >/dev/null 2>&1 || { apt update -qq >/dev/null 2>&1 && apt install -y -qq wrk >/dev/null 2>&1; } || {
        echo "error: wrk is not installed and apt could not install it" >&2
        exit 1
    }
fi

start_throwaway_cluster
swift build -c "$configuration" >/dev/null
bin="$(swift build -c "$configuration" --show-bin-path)"
work="$(mktemp -d /tmp/keelson-soak.XXXXXX)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 2
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    remove_throwaway_cluster
}
trap cleanup EXIT

# The market: SOAK_SYMBOLS seeded series, long enough for the whole run at 10× (10 bars a minute) plus the warm-up.
bars=$((minutes * 10 + 200))
echo "writing $symbols synthetic series of $bars bars..."
names=()
files=()
for i in $(seq 1 "$symbols"); do
    name="$(printf 'S%03dUSDT' "$i")"
    names+=("$name")
    "$bin/keelson" data synthetic --symbol "$name" --interval 1m --from 2024-01-01T00:00:00Z \
        --to "$(date -u -d "2024-01-01 + $bars minutes" +%Y-%m-%dT%H:%M:%SZ)" --seed "$i" --out "$work/$name.csv" >/dev/null
    files+=("$name=$work/$name.csv")
done
symbol_list="$(IFS=,; echo "${names[*]}")"
python3 - "$work/strategies.json" "$symbol_list" <<'PY'
import json, sys
symbols = sys.argv[2].split(",")
json.dump({"strategies": [
    {"id": "soak_sma", "strategy": "sma_crossover", "symbols": symbols, "interval": "1m", "parameters": {"fast": 10, "slow": 30}},
    {"id": "soak_rsi", "strategy": "rsi_mean_reversion", "symbols": symbols, "interval": "1m",
     "parameters": {"period": 14, "oversold": 35, "overbought": 65}},
]}, open(sys.argv[1], "w"))
PY

secrets="$("$bin/keelson" secrets generate)"
export KEELSON_INTERNAL_TOKENS="$(printf '%s\n' "$secrets" | sed -n 's/^KEELSON_INTERNAL_TOKENS=//p')"
export KEELSON_ADMIN_API_KEY="$(printf '%s\n' "$secrets" | sed -n 's/^KEELSON_ADMIN_API_KEY=//p')"
export KEELSON_MODE=paper LOG_FORMAT=json LOG_LEVEL=warning
"$bin/keelson" db migrate up >/dev/null
base=$(( $(free_port) % 20000 + 30000 ))
declare -A ports=([gateway]=$base [engine]=$((base + 1)) [marketdata]=$((base + 2)) [signals]=$((base + 3)))
export KEELSON_ENGINE_URL="http://127.0.0.1:${ports[engine]}" KEELSON_MARKETDATA_URL="http://127.0.0.1:${ports[marketdata]}"
export KEELSON_SIGNALS_URL="http://127.0.0.1:${ports[signals]}" KEELSON_GATEWAY_URL="http://127.0.0.1:${ports[gateway]}"
export KEELSON_SYMBOLS="$symbol_list" KEELSON_STRATEGIES_FILE="$work/strategies.json"
# A small read cache that is full within the warm-up: memory that still grows afterwards is a leak, not the cache
# filling (at the default 1,000 candles a series it fills for the first 100 minutes at 10×).
export KEELSON_CANDLE_CACHE_SIZE="${KEELSON_CANDLE_CACHE_SIZE:-20}"
export KEELSON_MARKETDATA_PROVIDER=replay KEELSON_REPLAY_SPEED=10x KEELSON_REPLAY_FILES="$(IFS=,; echo "${files[*]}")"
services=(gateway engine marketdata signals)
for service in "${services[@]}"; do
    KEELSON_PORT="${ports[$service]}" "$bin/keelson-$service" >"$work/$service.log" 2>&1 &
    pids+=($!)
done
for service in "${services[@]}"; do
    for _ in $(seq 1 300); do
        curl -fsS "http://127.0.0.1:${ports[$service]}/ready" >/dev/null 2>&1 && break
        sleep 0.2
    done
    curl -fsS "http://127.0.0.1:${ports[$service]}/ready" >/dev/null || { echo "error: keelson-$service is not ready; $work/$service.log" >&2; tail -5 "$work/$service.log" >&2; exit 1; }
done
echo "soak: $minutes min, $symbols symbols at 10x ($((symbols * 10 / 60)) candles/s), $readers readers; logs in $work"

# The readers: what the dashboard polls, in turn.
cat >"$work/readers.lua" <<LUA
local paths = {"/api/v1/status", "/api/v1/trading/portfolio", "/api/v1/trading/positions", "/api/v1/trading/trades?limit=50",
               "/api/v1/trading/orders?limit=50", "/api/v1/market/candles?symbol=S001USDT&interval=1m&limit=100", "/health"}
local i = 0
request = function()
    i = i % #paths + 1
    return wrk.format("GET", paths[i], {["Authorization"] = "Bearer $KEELSON_ADMIN_API_KEY"})
end
LUA
wrk -t2 -c"$readers" -d"${minutes}m" --timeout 10s --latency -s "$work/readers.lua" "http://127.0.0.1:${ports[gateway]}" >"$work/wrk.txt" 2>&1 &
wrk_pid=$!

database="${DATABASE_URL}"
echo "seconds,service,rss_kb,fds" >"$work/samples.csv"
echo "seconds,connections" >"$work/connections.csv"
started=$SECONDS
while kill -0 "$wrk_pid" 2>/dev/null; do
    elapsed=$((SECONDS - started))
    for index in "${!services[@]}"; do
        pid="${pids[$index]}"
        kill -0 "$pid" 2>/dev/null || { echo "error: keelson-${services[$index]} exited during the soak; $work/${services[$index]}.log" >&2; exit 1; }
        rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
        fds="$(ls "/proc/$pid/fd" | wc -l)"
        echo "$elapsed,${services[$index]},$rss,$fds" >>"$work/samples.csv"
    done
    connections="$("$(pg_bin_dir)/psql" -At "$database" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()" 2>/dev/null || echo -1)"
    echo "$elapsed,$connections" >>"$work/connections.csv"
    sleep 30 &
    wait $! || true
done
wait "$wrk_pid" || true

python3 - "$work" "$minutes" <<'PY'
import csv, sys, re
work, minutes = sys.argv[1], int(sys.argv[2])
rows = list(csv.DictReader(open(f"{work}/samples.csv")))
warm = minutes * 60 / 5
failed = []
print(f"{'service':<11} {'rss after warm-up':>18} {'rss at end':>11} {'growth':>7} {'fds after warm-up':>18} {'fds at end':>11}")
for service in ["gateway", "engine", "marketdata", "signals"]:
    samples = [r for r in rows if r["service"] == service]
    after = [r for r in samples if float(r["seconds"]) >= warm] or samples[-1:]
    first, last = after[0], samples[-1]
    growth = (int(last["rss_kb"]) - int(first["rss_kb"])) / int(first["rss_kb"]) * 100
    print(f"{service:<11} {int(first['rss_kb']) / 1024:>15.1f} MB {int(last['rss_kb']) / 1024:>8.1f} MB {growth:>6.1f}% {first['fds']:>18} {last['fds']:>11}")
    if growth > 10: failed.append(f"{service}: resident memory grew {growth:.1f}% after the warm-up")
    if int(last["fds"]) > int(first["fds"]) + 20: failed.append(f"{service}: open file descriptors grew from {first['fds']} to {last['fds']}")
connections = [r for r in csv.DictReader(open(f"{work}/connections.csv")) if float(r["seconds"]) >= warm]
if connections:
    counts = [int(r["connections"]) for r in connections]
    print(f"database connections after warm-up: {counts[0]} → {counts[-1]} (max {max(counts)})")
    if counts[-1] > counts[0] + 10: failed.append(f"database connections grew from {counts[0]} to {counts[-1]}")
wrk = open(f"{work}/wrk.txt").read()
for line in wrk.splitlines():
    if re.match(r"\s+(50|90|99)%|\s+\d+ requests in|Requests/sec|Non-2xx|Socket errors", line): print("wrk:", line.strip())
for problem in failed: print("✘", problem)
print("soak:", "passed" if not failed else "FAILED")
sys.exit(1 if failed else 0)
PY
