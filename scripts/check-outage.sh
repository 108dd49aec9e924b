#!/usr/bin/env bash
# PostgreSQL outages under a running system: a throwaway cluster, the four services on loopback in paper mode with
# the sample replay at 2000×, then the database stopped for KEELSON_OUTAGE_SECONDS (default 10; `make chaos` 30)
# and started again, then its postmaster killed with SIGKILL (crash recovery) and started again. Asserts that every
# service reports not-ready within seconds, that none exits or stops answering its liveness probe, that all are
# ready again on their own and trading resumes, that they still stop cleanly on SIGTERM, and that the trading
# invariants (Tests/Chaos/trading-invariants.sql) hold. Prints the times to degraded and to ready.
#
#   scripts/check-outage.sh [BIN_DIR]     BIN_DIR: the built executables (default: KEELSON_BIN_DIR, else .build/debug)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres-lib.sh
source scripts/deploy-lib.sh

bin="$(keelson_bin_dir "${1:-}")" || exit 1
OUTAGE_SECONDS="${KEELSON_OUTAGE_SECONDS:-10}"
# How long a service may take to notice the database is gone, and to be ready once it is back.
DEGRADED_WAIT=15
READY_WAIT=60
SERVICES="gateway engine marketdata signals"

work="$(mktemp -d /tmp/keelson-outage.XXXXXX)"
passed=0
failed=0

cleanup() {
    stop_keelson_services
    remove_throwaway_cluster
    rm -rf "$work"
}
keep_logs() { # the services' logs (and any snapshot taken during the stop) outlive the run, passed or failed
    rm -rf .build-tools/outage && mkdir -p .build-tools/outage && cp "$work"/logs/* .build-tools/outage/ 2>/dev/null
}
report() {
    keep_logs
    echo "the services' logs are in .build-tools/outage/" >&2
    for log in "$work"/logs/*.log; do
        [ -f "$log" ] && { echo "--- last lines of $(basename "$log")" >&2; tail -n 8 "$log" >&2; }
    done
}
fail_early() {
    echo "error: $1" >&2
    report
    echo "outage check: $passed passed, $((failed + 1)) failed"
    exit 1
}
check() { # check NAME CONDITION-COMMAND...
    local name="$1"
    shift
    if "$@" >"$work/check.out" 2>&1; then
        passed=$((passed + 1))
        printf '  ✔ %s\n' "$name"
        sed 's/^/      /' "$work/check.out"
    else
        failed=$((failed + 1))
        printf '  ✘ %s\n' "$name"
        sed 's/^/      /' "$work/check.out"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_throwaway_cluster fsync=off synchronous_commit=off >/dev/null || fail_early "could not start PostgreSQL"
trap cleanup EXIT
pg_port="${DATABASE_URL##*:}"
pg_port="${pg_port%%/*}"
pg_data="$throwaway_root/data"
"$bin/keelson" db migrate up >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; fail_early "keelson db migrate up failed"; }

export KEELSON_REPLAY_SPEED=2000x
start_keelson_services "$bin" "$work/logs" || fail_early "could not start the services"
wait_for_keelson_services 60 || fail_early "the services did not start"
pids="$(printf '%s' "$KEELSON_PIDS" | awk '{print $2}' | tr '\n' ' ')"

status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$1$2" 2>/dev/null; }
liveness_path() { [ "$1" = gateway ] && echo /ping || echo /health; }
port_of() { local var="KEELSON_PORT_$1"; echo "${!var}"; }
psql_value() { "$(pg_bin_dir)/psql" "$DATABASE_URL" -tAXc "$1" 2>/dev/null; }
all_alive() {
    local pid
    for pid in $pids; do kill -0 "$pid" 2>/dev/null || { echo "process $pid exited"; return 1; }; done
}
# wait_for_ready_state WANT SECONDS: until every service's /ready is 200 (WANT=ready) or not 200 (WANT=degraded);
# prints each service's time; fails naming the services that did not get there.
wait_for_ready_state() {
    local want="$1" seconds="$2" start=$SECONDS service code pending="$SERVICES" still times=""
    while [ -n "$pending" ]; do
        still=""
        for service in $pending; do
            code="$(status_of "$(port_of "$service")" /ready)"
            if { [ "$want" = ready ] && [ "$code" = 200 ]; } || { [ "$want" = degraded ] && [ "$code" != 200 ] && [ "$code" != 000 ]; }; then
                times="$times $service $((SECONDS - start)) s;"
            else
                still="$still $service"
            fi
        done
        pending="${still# }"
        [ -z "$pending" ] && break
        if [ $((SECONDS - start)) -ge "$seconds" ]; then
            echo "not $want within $seconds s:$pending (last /ready ${code:-none})"
            return 1
        fi
        sleep 0.25
    done
    echo "$want:$times"
}
liveness_answers() {
    local service code
    for service in $SERVICES; do
        code="$(status_of "$(port_of "$service")" "$(liveness_path "$service")")"
        [ "$code" = 000 ] && { echo "$service does not answer $(liveness_path "$service")"; return 1; }
    done
    return 0
}
cursor() { psql_value "SELECT coalesce(extract(epoch FROM max(last_bar_open_time))::bigint, 0) FROM engine_bar_cursors"; }
candles() { psql_value "SELECT count(*) FROM candles"; }
progress_since() { # progress_since CANDLES CURSOR: the collector stored more and the engine processed later bars
    local deadline=$((SECONDS + 60))
    while [ "$SECONDS" -lt "$deadline" ]; do
        [ "$(candles)" -gt "$1" ] && [ "$(cursor)" -gt "$2" ] && { echo "candles $1 → $(candles), engine cursor advanced"; return 0; }
        sleep 1
    done
    echo "no progress: candles $1 → $(candles), engine cursor $2 → $(cursor)"
    return 1
}

echo "services up on 127.0.0.1 against PostgreSQL on port $pg_port"
check "every service ready" wait_for_ready_state ready "$READY_WAIT"
sleep 5

outage() { # outage KIND: stop (a clean shutdown) or kill (SIGKILL of the postmaster: crash recovery on start)
    local kind="$1" before_candles before_cursor postmaster
    before_candles="$(candles)"
    before_cursor="$(cursor)"
    echo "database $kind: $before_candles candles stored, engine at $(psql_value "SELECT max(last_bar_open_time) FROM engine_bar_cursors")"
    if [ "$kind" = stop ]; then
        as_cluster_owner "$(pg_bin_dir)/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null
    else
        postmaster="$(head -n 1 "$pg_data/postmaster.pid")"
        kill -9 "$postmaster"
    fi
    check "$kind: every service reports not ready within $DEGRADED_WAIT s" wait_for_ready_state degraded "$DEGRADED_WAIT"
    local until=$((SECONDS + OUTAGE_SECONDS)) ok=true
    while [ "$SECONDS" -lt "$until" ]; do
        all_alive >"$work/alive.out" && liveness_answers >>"$work/alive.out" || { ok=false; break; }
        sleep 1
    done
    check "$kind: for $OUTAGE_SECONDS s without a database, no service exits or stops answering its liveness probe" \
        bash -c "$ok || { cat '$work/alive.out'; exit 1; }"
    # After SIGKILL the old backends notice their postmaster is gone and exit; the new one waits for them.
    local deadline=$((SECONDS + 30))
    until start_cluster "$pg_data" "$pg_port" fsync=off synchronous_commit=off >"$work/pg-start.log" 2>&1; do
        [ "$SECONDS" -ge "$deadline" ] && { cat "$work/pg-start.log"; fail_early "PostgreSQL did not start again"; }
        sleep 1
    done
    check "$kind: every service ready again on its own within $READY_WAIT s" wait_for_ready_state ready "$READY_WAIT"
    check "$kind: trading resumes (candles stored, bars processed)" progress_since "$before_candles" "$before_cursor"
    check "$kind: the same processes throughout (no exit, no restart)" all_alive
}

outage stop
outage kill

# A service bounds its own shutdown: the grace (KEELSON_SHUTDOWN_GRACE_MS, 10 s), then cancellation, and at twice the
# grace it exits 1 on its own. The check waits past that bound, so what it reports is the service's own outcome
# (status 0, or its forced exit 1 with the log line saying so) and how long the stop took.
stopped_cleanly() {
    local service pid status bad="" started took=""
    started=$(date +%s.%N)
    while read -r service pid; do
        [ -n "$pid" ] || continue
        kill "$pid" 2>/dev/null
    done <<<"$KEELSON_PIDS"
    # A stop still going after 5 s: what the database was doing then (a statement waiting on a lock, a transaction
    # left open) is kept beside the logs, which say what each service was waiting on.
    (
        sleep 5
        local still=""
        for pid in $pids; do kill -0 "$pid" 2>/dev/null && still=yes; done
        if [ -n "$still" ]; then
            psql_value "SELECT pid, application_name, client_port, state, wait_event_type, wait_event, now() - xact_start AS in_transaction,
                now() - state_change AS in_state, left(query, 120) FROM pg_stat_activity WHERE backend_type = 'client backend'
                AND pid <> pg_backend_pid()" >"$work/logs/pg-activity-during-stop.txt"
        fi
    ) &
    local snapshot=$!
    while read -r service pid; do
        [ -n "$pid" ] || continue
        for _ in $(seq 1 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then bad="$bad $service (still running after 25 s)"; kill -9 "$pid"; fi
        wait "$pid"
        status=$?
        took="$took $service $(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s;"
        [ "$status" = 0 ] || bad="$bad $service (exit $status)"
    done <<<"$KEELSON_PIDS"
    kill "$snapshot" 2>/dev/null
    wait "$snapshot" 2>/dev/null
    KEELSON_PIDS=""
    echo "stopped after SIGTERM:$took"
    # A stop that took long says in its log what it waited on; shown here, pass or fail.
    grep -h -E 'shutdown is still waiting|shutdown past its grace|did not stop within|shutdown did not finish' "$work"/logs/*.log 2>/dev/null |
        cut -c1-600
    [ -z "$bad" ] || { echo "did not stop cleanly:$bad"; return 1; }
}
check "every service stops on SIGTERM with status 0" stopped_cleanly

invariants_hold() {
    local rows
    rows="$("$(pg_bin_dir)/psql" "$DATABASE_URL" -tAX -F ' | ' -f Tests/Chaos/trading-invariants.sql)" || { echo "the invariants query failed"; return 1; }
    echo "$rows" | awk -F ' [|] ' '$2 != 0 {bad = 1} {print} END {exit bad}'
}
check "the trading invariants hold ($(psql_value "SELECT count(*) FROM orders") orders, $(psql_value "SELECT count(*) FROM fills") fills)" invariants_hold

echo "outage check: $passed passed, $failed failed"
[ "$failed" = 0 ] || { report; exit 1; }
keep_logs
