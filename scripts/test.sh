#!/usr/bin/env bash
# `make test`: builds, then runs every test against a real PostgreSQL, the deployment checks, the monitoring
# check, the dashboard's browser test and the contract fuzzing of every service. With DATABASE_URL unset it
# starts a throwaway cluster on a free port and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres-lib.sh

if [ -z "${DATABASE_URL:-}" ]; then
    # Durability is pointless for a throwaway test cluster; turning it off makes the suite much faster.
    start_throwaway_cluster fsync=off synchronous_commit=off full_page_writes=off max_connections=400
    echo "test database: $DATABASE_URL (throwaway)"
fi

swift build --build-tests
swift test --skip-build "$@"
scripts/check-deployment.sh
scripts/check-scrape.sh "$(swift build --show-bin-path)"
scripts/check-dashboard.sh "$(swift build --show-bin-path)"
scripts/check-contract.sh "$(swift build --show-bin-path)"
