#!/usr/bin/env bash
# The backtester against backtesting.py and vectorbt, and the model training against scikit-learn, on the same files (part of `make bench`, after keelson-bench has
# written .build-bench/backtest/keelson.json). Installs both into a virtualenv under .build-bench/ the first time;
# skips with a note when Python or PyPI is not available. Prints each tool's figures and Keelson's ratio to them.
set -euo pipefail
cd "$(dirname "$0")/.."
folder=.build-bench/backtest
venv=.build-bench/venv

if [ ! -f "$folder/keelson.json" ] && [ ! -f .build-bench/optimize/keelson.json ] && [ ! -f .build-bench/models/keelson.json ]; then
    echo "peers: no keelson.json under .build-bench/{backtest,optimize,models}; run KEELSON_BENCH=backtest, optimize or models first" >&2
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "peers: python3 is not installed; skipping the backtesting.py and vectorbt comparison"
    exit 0
fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import backtesting, vectorbt, sklearn" 2>/dev/null; then
    echo "peers: installing backtesting.py, vectorbt and scikit-learn into $venv (once)..."
    python3 -m venv "$venv" && "$venv/bin/pip" install -q backtesting vectorbt scikit-learn >"$venv.log" 2>&1 || {
        echo "peers: could not install backtesting, vectorbt and scikit-learn (see $venv.log); skipping the comparison"
        exit 0
    }
fi
python="$venv/bin/python"
script=Benchmarks/peers/peer_backtests.py

if [ -f "$folder/goog-keelson-trades.csv" ] && [ -f ../shared/data/GOOG.csv ]; then
    "$python" "$script" --goog ../shared/data/GOOG.csv --keelson-trades "$folder/goog-keelson-trades.csv" 2>/dev/null
fi

[ -f "$folder/keelson.json" ] && echo "The same strategy on the same files (sma_crossover(10, 30), all-in whole units at the next open, no fees):"
for bars in $([ -f "$folder/keelson.json" ] && "$python" -c "import json; print(' '.join(sorted(json.load(open('$folder/keelson.json')), key=int)))"); do
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

# The optimiser (KEELSON_BENCH=optimize wrote .build-bench/optimize/keelson.json): vectorbt's own sweep of the same
# grid on the same file, end to end (load + every combination + ranking), and every combination's trades and return
# set against Keelson's results.csv (printed, never fatal).
optimize=.build-bench/optimize
if [ -f "$optimize/keelson.json" ]; then
    data=$("$python" -c "import json, sys; print(json.load(open(sys.argv[1]))['data'])" "$optimize/keelson.json")
    results=$("$python" -c "import json, sys; print(json.load(open(sys.argv[1])).get('results', ''))" "$optimize/keelson.json")
    cross_check=()
    if [ -n "$results" ] && [ -f "$results" ]; then
        cross_check=(--keelson-results "$results")
    fi
    echo "The optimiser's grid on the same file (sma_crossover fast 5-54 x slow 20-210 step 10, ranked by Sharpe, next open, no fees):"
    if output=$("$python" Benchmarks/peers/peer_optimize.py --data "$data" ${cross_check[@]+"${cross_check[@]}"} 2>/dev/null); then
        "$python" - "$optimize/keelson.json" "$(echo "$output" | tail -1)" <<'PY'
import json, sys
keelson = json.load(open(sys.argv[1]))
peer = json.loads(sys.argv[2])
sample = f", extrapolated from {peer['extrapolated_from']}" if "extrapolated_from" in peer else ""
print(f"  {peer['tool']:<15} {peer['bars']:>9,} bars, {peer['combinations']:,} combinations ({peer['chunk']} per call{sample}): "
      f"{peer['total_seconds']:7.1f} s end to end (loading {peer['load_seconds']:.2f} s), peak {peer['peak_mb']:6.0f} MB  ->  "
      f"Keelson {peer['total_seconds'] / keelson['total_seconds']:5.1f}x the speed with {keelson['peak_mb'] / peer['peak_mb']:.2f}x "
      f"the memory ({keelson['total_seconds']:.1f} s, {keelson['peak_mb']:.0f} MB, {keelson['combinations']:,} combinations)")
if (peer["bars"], peer["combinations"]) != (keelson["bars"], keelson["combinations"]):
    print(f"  note: Keelson ran {keelson['combinations']:,} combinations on {keelson['bars']:,} bars, vectorbt "
          f"{peer['combinations']:,} on {peer['bars']:,}")
PY
        echo "$output" | sed '$d'
    else
        echo "  vectorbt on the optimiser's grid failed"
    fi
fi

# The models (KEELSON_BENCH=models wrote .build-bench/models/): scikit-learn fitting the same standardised matrix.
models=.build-bench/models
if [ -f "$models/keelson.json" ]; then
    columns=$("$python" -c "import json, sys; print(json.load(open(sys.argv[1]))['columns'])" "$models/keelson.json")
    if output=$("$python" Benchmarks/peers/peer_models.py "$models" "$columns" 2>/dev/null); then
        "$python" - "$models/keelson.json" "$output" <<'PY'
import json, sys
k = json.loads(open(sys.argv[1]).read())
s = json.loads(sys.argv[2])
print(f"Model training on the same {k['rows']:,} x {k['columns']} standardised matrix (Keelson | scikit-learn):")
print(f"  logistic C=1:   {k['logistic_seconds']:6.2f} s, peak {k['logistic_peak_mb']:5.0f} MB, log-loss {k['logistic_log_loss']:.6f} | "
      f"{s['logistic_seconds']:6.2f} s, peak {s['logistic_peak_mb']:5.0f} MB, log-loss {s['logistic_log_loss']:.6f}")
print(f"  gbdt 100 trees: {k['gbdt_seconds']:6.2f} s, peak {k['gbdt_peak_mb']:5.0f} MB, log-loss {k['gbdt_log_loss']:.6f} | "
      f"{s['gbdt_seconds']:6.2f} s, peak {s['gbdt_peak_mb']:5.0f} MB, log-loss {s['gbdt_log_loss']:.6f} (scikit-learn on every core)")
PY
    else
        echo "  scikit-learn on the model matrix failed"
    fi
fi
