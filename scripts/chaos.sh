#!/usr/bin/env bash
# `make chaos`: the random kill -9 tests with many kills (KILLS, default 100; SEED for another run) on a real
# PostgreSQL — the engine through a busy seeded market, the collector through a replay, the signal service through
# a daily series. With DATABASE_URL unset it
# starts a throwaway cluster on a free port and removes it afterwards. `make test` runs the same tests with 8 kills.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres-lib.sh

if [ -z "${DATABASE_URL:-}" ]; then
    start_throwaway_cluster fsync=off synchronous_commit=off full_page_writes=off max_connections=400
    echo "test database: $DATABASE_URL (throwaway)"
fi

export KEELSON_KILL_TEST_KILLS="${KILLS:-100}"
[ -n "${SEED:-}" ] && export KEELSON_KILL_TEST_SEED="$SEED"
swift build --build-tests
swift test --skip-build --filter 'RandomKillTests|CollectorKillTests|SignalsKillTests' 2>&1 | tee .build/chaos.log | grep -E 'kills \(seed|Test run|passed after|failed after|✘'
