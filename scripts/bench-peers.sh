#!/usr/bin/env bash
# The backtester against backtesting.py and vectorbt on the same files (part of `make bench`, after keelson-bench has
# written .build-bench/backtest/keelson.json). Installs both into a virtualenv under .build-bench/ the first time;
# skips with a note when Python or PyPI is not available. Prints each tool's figures and Keelson's ratio to them.
set -euo pipefail
cd "$(dirname "$0")/.."
folder=.build-bench/backtest
venv=.build-bench/venv

if [ ! -f "$folder/keelson.json" ]; then
    echo "peers: $folder/keelson.json is missing; run KEELSON_BENCH=backtest first" >&2
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "peers: python3 is not installed; skipping the backtesting.py and vectorbt comparison"
    exit 0
fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import backtesting, vectorbt" 2>/dev/null; then
    echo "peers: installing backtesting.py and vectorbt into $venv (once)..."
    python3 -m venv "$venv" && "$venv/bin/pip" install -q backtesting vectorbt >"$venv.log" 2>&1 || {
        echo "peers: could not install backtesting and vectorbt (see $venv.log); skipping the comparison"
        exit 0
    }
fi
python="$venv/bin/python"
script=Benchmarks/peers/peer_backtests.py

if [ -f "$folder/goog-keelson-trades.csv" ] && [ -f ../shared/data/GOOG.csv ]; then
    "$python" "$script" --goog ../shared/data/GOOG.csv --keelson-trades "$folder/goog-keelson-trades.csv" 2>/dev/null
fi

echo "The same strategy on the same files (sma_crossover(10, 30), all-in whole units at the next open, no fees):"
for bars in $("$python" -c "import json; print(' '.join(sorted(json.load(open('$folder/keelson.json')), key=int)))"); do
    for tool in backtesting.py vectorbt; do
        result=$("$python" "$script" --tool "$tool" --data "$folder/synthetic-$bars.csv" 2>/dev/null | tail -1) || {
            echo "  $tool on $bars bars failed"
            continue
        }
        "$python" - "$folder/keelson.json" "$bars" "$result" <<'PY'
import json, sys
keelson = json.load(open(sys.argv[1]))[sys.argv[2]]
peer = json.loads(sys.argv[3])
print(f"  {peer['tool']:<15} {peer['bars']:>9,} bars, {peer['trades']:>6,} trades: {peer['bars_per_second'] / 1e6:6.3f} million bars/s, "
      f"loading {peer['load_seconds']:5.2f} s, peak {peer['peak_mb']:6.0f} MB  ->  Keelson {keelson['bars_per_second'] / peer['bars_per_second']:5.1f}x "
      f"the speed with {keelson['peak_mb'] / peer['peak_mb']:.2f}x the memory ({keelson['bars_per_second'] / 1e6:.2f} million bars/s, "
      f"{keelson['peak_mb']:.0f} MB, {keelson['trades']:,} trades)")
PY
    done
done
