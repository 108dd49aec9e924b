#!/usr/bin/env bash
# `make stop`: stops the services `make run` started (SIGTERM, so they shut down gracefully) and its local PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres-lib.sh

state=.keelson
if [ -f "$state/pids" ]; then
    while read -r service pid; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            if kill -0 "$pid" 2>/dev/null; then
                # The supervisor did not finish in 10 s: kill it, and the service it runs.
                kill -KILL "$pid"
                if [ -f "$state/$service.pid" ]; then kill -KILL "$(cat "$state/$service.pid")" 2>/dev/null; fi
            fi
            rm -f "$state/$service.pid"
            echo "stopped keelson-$service"
        fi
    done <"$state/pids"
    rm -f "$state/pids"
fi
if [ -f "$state/pg/PG_VERSION" ]; then
    stop_cluster "$PWD/$state/pg" && echo "stopped local PostgreSQL"
fi
exit 0
