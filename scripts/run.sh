#!/usr/bin/env bash
# `make run`: the whole system in paper mode on one machine. Starts a local PostgreSQL under .keelson/ when
# DATABASE_URL is unset, generates inter-service tokens once, builds, starts the four services with their logs
# in logs/, prints the URLs, and stops everything on Ctrl-C. `--detach` leaves it running (`make stop` ends it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres-lib.sh

detach=false
[ "${1:-}" = "--detach" ] && detach=true

state=.keelson
mkdir -p "$state" logs
chmod 755 "$state"

if [ -z "${DATABASE_URL:-}" ]; then
    ensure_postgres_installed
    pg_port="${KEELSON_PG_PORT:-54329}"
    start_cluster "$PWD/$state/pg" "$pg_port"
    echo "postgres://keelson@127.0.0.1:$pg_port/keelson" >"$state/database_url"
    export DATABASE_URL="$(cat "$state/database_url")"
fi

echo "building (first build takes several minutes)..."
swift build >logs/build.log 2>&1 || { echo "error: build failed; see logs/build.log" >&2; exit 1; }
bin="$(swift build --show-bin-path)"

if [ -z "${KEELSON_INTERNAL_TOKENS:-}" ]; then
    if [ ! -s "$state/internal_tokens" ]; then
        "$bin/keelson" secrets generate | sed -n 's/^KEELSON_INTERNAL_TOKENS=//p' >"$state/internal_tokens"
        chmod 600 "$state/internal_tokens"
    fi
    export KEELSON_INTERNAL_TOKENS="$(cat "$state/internal_tokens")"
fi
# The gateway's first admin key: registered by the gateway at start, found by the CLI in this file.
if [ -z "${KEELSON_ADMIN_API_KEY:-}" ]; then
    if [ ! -s "$state/admin_api_key" ]; then
        "$bin/keelson" secrets generate | sed -n 's/^KEELSON_ADMIN_API_KEY=//p' >"$state/admin_api_key"
        chmod 600 "$state/admin_api_key"
    fi
    export KEELSON_ADMIN_API_KEY="$(cat "$state/admin_api_key")"
fi
export KEELSON_MODE="${KEELSON_MODE:-paper}"
export LOG_FORMAT="${LOG_FORMAT:-json}"

"$bin/keelson" db migrate up >/dev/null

services="gateway engine marketdata signals"
: >"$state/pids"
touch logs/supervisor.log
supervisor_lines=$(wc -l <logs/supervisor.log)
for service in $services; do
    # Each under its supervisor: restarted if it crashes, its log appended and rotated (scripts/supervise.sh).
    scripts/supervise.sh "$service" "$bin/keelson-$service" &
    echo "$service $!" >>"$state/pids"
done
# Backups on a schedule (KEELSON_BACKUP_SCHEDULE, daily; off turns them off) into backups/, copied off-site when
# KEELSON_BACKUP_OFFSITE is set: the first one at once, then one a day (docs/DATABASE.md, "Scheduled and off-site backups").
export KEELSON_BACKUP_DIR="${KEELSON_BACKUP_DIR:-$PWD/backups}"
scripts/supervise.sh backup "$bin/keelson" backup schedule &
echo "backup $!" >>"$state/pids"

summary_pid=
stop_all() {
    if [ -n "$summary_pid" ]; then kill "$summary_pid" 2>/dev/null || true; fi
    scripts/stop.sh
}
if [ "$detach" = false ]; then
    trap 'echo; echo "stopping..."; stop_all; exit 0' INT TERM
fi

ports="gateway:8080 engine:8081 marketdata:8082 signals:8083"
for entry in $ports; do
    service="${entry%%:*}"
    url_var="KEELSON_$(echo "$service" | tr a-z A-Z)_URL"
    url="${!url_var:-http://127.0.0.1:${entry##*:}}"
    # The gateway's /health is the whole system's verdict (503 until the engine is up); its liveness is /ping.
    liveness=/health
    [ "$service" = gateway ] && liveness=/ping
    for _ in $(seq 1 100); do
        curl -fsS "$url$liveness" >/dev/null 2>&1 && break
        if tail -n +"$((supervisor_lines + 1))" logs/supervisor.log | grep -q "keelson-$service .*restarting"; then
            echo "error: keelson-$service exited at start; last lines of logs/$service.log:" >&2
            tail -n 5 "logs/$service.log" >&2
            stop_all
            exit 1
        fi
        sleep 0.1
    done
done

"$bin/keelson" health --direct || true
cat <<EOT

Keelson is running in ${KEELSON_MODE} mode.
  dashboard   ${KEELSON_GATEWAY_URL:-http://127.0.0.1:8080}/  (sign in with the API key below)
  gateway     ${KEELSON_GATEWAY_URL:-http://127.0.0.1:8080}
  engine      ${KEELSON_ENGINE_URL:-http://127.0.0.1:8081}
  marketdata  ${KEELSON_MARKETDATA_URL:-http://127.0.0.1:8082}
  signals     ${KEELSON_SIGNALS_URL:-http://127.0.0.1:8083}
  database    ${DATABASE_URL}
  logs        logs/<service>.log  (keelson logs --follow; appended, rotated at 10 MB; restarts in logs/supervisor.log)
  backups     ${KEELSON_BACKUP_DIR}  (${KEELSON_BACKUP_SCHEDULE:-daily}; keelson backup list; the watchdog: keelson watchdog)
  API key     .keelson/admin_api_key (admin; the keelson CLI uses it — keelson status, keelson health)
EOT
if [ "$detach" = true ]; then
    echo "Running in the background; stop it with 'make stop'. What it has traded so far: keelson performance --summary"
    exit 0
fi
echo "Press Ctrl-C to stop. In a minute: a line on what it has traded so far."
# The replay plays 5 one-minute bars a second, so a minute in the strategies are warm and have traded.
( sleep 60 && "$bin/keelson" performance --summary 2>/dev/null | sed 's/^/[after 1 minute] /' ) &
summary_pid=$!
wait
