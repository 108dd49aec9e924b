#!/usr/bin/env bash
# The dashboard in a real browser: a throwaway PostgreSQL, the four services on loopback replaying the first
# hours of the sample data fast, 10,000 more trades stored, and headless Chromium (Debian's chromium and
# chromium-driver, driven by Selenium from a venv) signing in as viewer, operator and admin
# (Tests/Browser/dashboard_test.py). Also opens a backtest's and an optimisation's report.html. Screenshots go to
# .build-tools/dashboard/. Installs what it needs; cleans everything up on exit; every wait has a deadline.
#
#   scripts/check-dashboard.sh [BIN_DIR]     BIN_DIR: the built executables (default: KEELSON_BIN_DIR, else .build/debug)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres-lib.sh
source scripts/deploy-lib.sh

bin="$(keelson_bin_dir "${1:-}")" || exit 1

started=$SECONDS
ensure_apt_tool chromium chromium || exit 1
ensure_apt_tool chromedriver chromium-driver || exit 1
ensure_venv browser python selenium==4.38.0 || exit 1

work="$(mktemp -d /tmp/keelson-dashboard.XXXXXX)"
shots="$DEPLOY_TOOLS_DIR/dashboard"
mkdir -p "$shots"
cleanup() {
    stop_keelson_services
    remove_throwaway_cluster
    rm -rf "$work"
}
fail_early() {
    echo "error: $1" >&2
    for log in "$work"/logs/*.log; do
        [ -f "$log" ] && { echo "--- last lines of $(basename "$log")" >&2; tail -n 8 "$log" >&2; }
    done
    echo "dashboard check: failed"
    exit 1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_throwaway_cluster fsync=off synchronous_commit=off >/dev/null || fail_early "could not start PostgreSQL"
trap cleanup EXIT # start_throwaway_cluster set its own; ours removes the cluster too
"$bin/keelson" db migrate up >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; fail_early "keelson db migrate up failed"; }

# Half a day of each sample symbol at 50 bars a second (at `max` the engine would take it in one batch, one
# snapshot): the replay ends in about 15 s, then the market stands still, so what the page shows and what the
# API says can be compared exactly.
for symbol in BTCUSDT ETHUSDT; do head -n 721 "data/sample/$symbol-1m.csv" >"$work/$symbol.csv"; done
export KEELSON_REPLAY_FILES="BTCUSDT=$work/BTCUSDT.csv,ETHUSDT=$work/ETHUSDT.csv" KEELSON_REPLAY_SPEED=3000x
start_keelson_services "$bin" "$work/logs" || fail_early "could not start the services"
wait_for_keelson_services 30 || fail_early "the services did not start"
echo "services up on 127.0.0.1 (gateway $KEELSON_PORT_gateway) in $((SECONDS - started)) s"

for role in viewer operator admin; do
    "$bin/keelson" apikey create --name "dashboard-$role" --role "$role" --json >"$work/key-$role.json" ||
        fail_early "keelson apikey create --role $role failed"
done

KEELSON_BIN_DIR="$bin" DASHBOARD_URL="http://127.0.0.1:$KEELSON_PORT_gateway" DASHBOARD_KEYS="$work" DASHBOARD_WORK="$work" \
    DASHBOARD_SHOTS="$shots" PSQL="$(pg_bin_dir)/psql" \
    "$DEPLOY_VENVS/browser/bin/python" Tests/Browser/dashboard_test.py
status=$?
if [ "$status" != 0 ]; then
    for log in "$work"/logs/*.log; do
        echo "--- last lines of $(basename "$log")"
        tail -n 8 "$log"
    done
fi
echo "dashboard check: $([ "$status" = 0 ] && echo passed || echo failed) ($((SECONDS - started)) s; screenshots in $shots)"
exit "$status"
