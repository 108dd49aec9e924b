#!/usr/bin/env bash
# `make test`: builds, then runs every test against a real PostgreSQL, looks for secrets in every log they wrote,
# then the deployment checks, the monitoring check, the database outage check, the dashboard's browser test and the
# contract fuzzing of every service. With
# DATABASE_URL unset it starts a throwaway cluster on a free port and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres-lib.sh

if [ -z "${DATABASE_URL:-}" ]; then
    # Durability is pointless for a throwaway test cluster; turning it off makes the suite much faster.
    start_throwaway_cluster fsync=off synchronous_commit=off full_page_writes=off max_connections=400
    echo "test database: $DATABASE_URL (throwaway)"
fi

swift build --build-tests
# The off-site backup tests run against moto, an S3-compatible server that checks signatures (PyPI, in a venv).
bash -c 'source scripts/deploy-lib.sh && ensure_venv s3 moto_server "moto[server]==5.1.18"'
# Every log the tests write (their output, and each service process's) is kept here and searched for secrets.
KEELSON_TEST_LOGS="$(mktemp -d /tmp/keelson-test-logs.XXXXXX)"
export KEELSON_TEST_LOGS
if [ $# -gt 0 ]; then
    swift test --skip-build "$@"
else
    # The random-kill tests restart processes dozens of times; beside the parallel suite they starve its
    # time-bounded tests on a 2-core machine, so they run on their own after it.
    kill_tests='RandomKillTests|CollectorKillTests|SignalsKillTests'
    # Unbounded, every suite starts at once: dozens of service processes on 2 cores push the load past 20, time-bounded
    # tests time out, and a PostgreSQL connection dropped under that load can leave a test waiting for good. Six tests
    # at a time keep the machine busy without starving any of them.
    SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH="${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-6}" \
        swift test --skip-build --skip "$kill_tests" 2>&1 | tee "$KEELSON_TEST_LOGS/swift-test.log"
    swift test --skip-build --filter "$kill_tests" 2>&1 | tee "$KEELSON_TEST_LOGS/swift-test-kill.log"
    scripts/check-secrets.sh "$KEELSON_TEST_LOGS"
    rm -rf "$KEELSON_TEST_LOGS"
fi
scripts/check-deployment.sh
scripts/check-scrape.sh "$(swift build --show-bin-path)"
scripts/check-outage.sh "$(swift build --show-bin-path)"
scripts/check-dashboard.sh "$(swift build --show-bin-path)"
scripts/check-contract.sh "$(swift build --show-bin-path)"
