#!/usr/bin/env bash
# Runs one Keelson service for `make run`: appends its output to $KEELSON_LOG_DIR/<service>.log (never truncated;
# rotated by size: at KEELSON_LOG_MAX_BYTES, 10 MB, the file becomes <service>.log.1 and older ones shift up to .3),
# restarts it when it exits by itself — after 1 s, doubling to 30 s while it keeps failing, back to 1 s after a
# minute up — and records each restart in supervisor.log and in the database's watchdog_events (through
# `keelson watchdog record`, so `keelson watchdog` and GET /api/v1/watchdog show it). TERM or INT stops the service
# (TERM, so it shuts down gracefully) and then the supervisor.
#
# Usage: scripts/supervise.sh SERVICE BINARY [ARGUMENTS...]   (environment: what the service reads, plus the two directories)
set -uo pipefail

service="$1"
binary="$2"
shift 2
log_dir="${KEELSON_LOG_DIR:-logs}"
state_dir="${KEELSON_STATE_DIR:-.keelson}"
max_bytes="${KEELSON_LOG_MAX_BYTES:-10485760}"
cli="${KEELSON_CLI:-$(dirname "$binary")/keelson}"
log="$log_dir/$service.log"
mkdir -p "$log_dir" "$state_dir"

rotate() {
    [ -f "$log" ] && [ "$(stat -c %s "$log")" -ge "$max_bytes" ] || return 0
    for index in 2 1; do
        if [ -f "$log.$index" ]; then mv -f "$log.$index" "$log.$((index + 1))"; fi
    done
    # Copy, then truncate in place: the service keeps writing to the same file (opened for appending).
    cp "$log" "$log.1" && : >"$log"
}

note() {
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) keelson-$service $*" | tee -a "$log_dir/supervisor.log" >>"$log"
}

# In the background, bounded: a database that is down must not hold the restart up (the line in supervisor.log stays).
recorder=
record_restart() {
    [ -x "$cli" ] || return 0
    timeout 20 "$cli" watchdog record --component "$service" --symptom "$1" --action restart \
        --result "restarted after a pause of $2 s" --duration-ms "$(($2 * 1000))" >/dev/null 2>>"$log" &
    recorder=$!
}

# Nothing may outlive the supervisor (a process waiting for it would wait for its last descendant too): every
# `sleep` runs in the background and is killed on the way out.
child=
pause=
stopping=false
stop() {
    stopping=true
    if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; fi
    if [ -n "$pause" ]; then kill "$pause" 2>/dev/null || true; fi
    if [ -n "$recorder" ]; then kill "$recorder" 2>/dev/null || true; fi
}
trap stop TERM INT

# Rotation while the service runs.
(
    nap=
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    while true; do
        sleep 30 &
        nap=$!
        wait "$nap"
        rotate
    done
) &
rotator=$!
trap 'kill "$rotator" 2>/dev/null || true' EXIT

delay=1
while true; do
    rotate
    started=$(date +%s)
    "$binary" "$@" >>"$log" 2>&1 &
    child=$!
    echo "$child" >"$state_dir/$service.pid"
    # A trapped signal interrupts `wait`; wait again until the service has really ended.
    wait "$child"
    status=$?
    while kill -0 "$child" 2>/dev/null; do
        wait "$child"
        status=$?
    done
    rm -f "$state_dir/$service.pid"
    $stopping && exit 0
    up=$(($(date +%s) - started))
    [ "$up" -ge 60 ] && delay=1
    if [ "$status" -gt 128 ]; then how="was killed by signal $((status - 128))"; else how="exited with status $status"; fi
    note "$how after ${up} s; restarting in ${delay} s"
    record_restart "$how after ${up} s" "$delay"
    sleep "$delay" &
    pause=$!
    wait "$pause" || true
    pause=
    $stopping && exit 0
    delay=$((delay * 2 > 30 ? 30 : delay * 2))
done
