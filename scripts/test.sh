#!/usr/bin/env bash
# `make test`: builds, then runs every test against a real PostgreSQL. With DATABASE_URL unset it starts a
# throwaway cluster on a free port and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres-lib.sh

cleanup() { :; }
if [ -z "${DATABASE_URL:-}" ]; then
    ensure_postgres_installed
    test_root="$(mktemp -d /tmp/keelson-test-pg.XXXXXX)"
    chmod 755 "$test_root"
    [ "$(id -u)" = 0 ] && chown postgres: "$test_root"
    port="$(free_port)"
    cleanup() {
        stop_cluster "$test_root/data" || true
        rm -rf "$test_root"
    }
    trap cleanup EXIT
    # Durability is pointless for a throwaway cluster; turning it off makes the suite much faster.
    start_cluster "$test_root/data" "$port" fsync=off synchronous_commit=off full_page_writes=off max_connections=400
    export DATABASE_URL="postgres://keelson@127.0.0.1:$port/keelson"
    echo "test database: $DATABASE_URL (throwaway)"
fi

swift build --build-tests
swift test --skip-build "$@"
