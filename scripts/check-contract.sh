#!/usr/bin/env bash
# Contract fuzzing: schemathesis (PyPI, in a venv) generates requests from docs/openapi.yaml and sends them to
# every service on its own port — the gateway with an admin and a viewer key, the engine, the collector and the
# signal service with the inter-service token — running every check schemathesis has (server errors, status codes,
# content types, headers, response schemas, negative and positive data, missing headers, unsupported methods and
# Allow, authentication; all run by default, and `--checks all` would override the per-operation exceptions).
# Any failure fails the run; the few exceptions, each explained, are in Tests/Contract/schemathesis.toml. A fixed
# seed; KEELSON_FUZZ_SECONDS per run (default 20; `make fuzz` runs 120). Then no API key or inter-service token
# may appear in any service's log.
# Reports (JUnit) in .build-tools/contract/. Cleans everything up on exit.
#
#   scripts/check-contract.sh [BIN_DIR]     BIN_DIR: the built executables (default: KEELSON_BIN_DIR, else .build/debug)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres-lib.sh
source scripts/deploy-lib.sh

bin="$(keelson_bin_dir "${1:-}")" || exit 1
SECONDS_PER_RUN="${KEELSON_FUZZ_SECONDS:-20}"
SEED="${KEELSON_FUZZ_SEED:-20261206}"

started=$SECONDS
ensure_venv fuzz schemathesis schemathesis==4.32.5 || exit 1
schemathesis="$DEPLOY_VENVS/fuzz/bin/schemathesis"

work="$(mktemp -d /tmp/keelson-contract.XXXXXX)"
reports="$DEPLOY_TOOLS_DIR/contract"
rm -rf "$reports"
mkdir -p "$reports"
cleanup() {
    stop_keelson_services
    for log in "$work"/logs/*.log; do [ -f "$log" ] && cp "$log" "$reports/service-$(basename "$log")"; done
    remove_throwaway_cluster
    rm -rf "$work"
}
fail_early() {
    echo "error: $1" >&2
    for log in "$work"/logs/*.log; do
        [ -f "$log" ] && { echo "--- last lines of $(basename "$log")" >&2; tail -n 8 "$log" >&2; }
    done
    echo "contract check: failed"
    exit 1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_throwaway_cluster fsync=off synchronous_commit=off >/dev/null || fail_early "could not start PostgreSQL"
trap cleanup EXIT # start_throwaway_cluster set its own; ours removes the cluster too
"$bin/keelson" db migrate up >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; fail_early "keelson db migrate up failed"; }
# schemathesis sends thousands of bad keys from one address; the limiter that would answer them 429 after ten is
# proven by GatewayAuthTests, so here it is out of the way and every bad key gets the 401 the contract documents.
export KEELSON_AUTH_FAILURE_LIMIT=10000
start_keelson_services "$bin" "$work/logs" || fail_early "could not start the services"
wait_for_keelson_services 30 || fail_early "the services did not start"
for role in viewer admin; do
    "$bin/keelson" apikey create --name "fuzz-$role" --role "$role" --json | sed -n 's/.*"secret":"\([^"]*\)".*/\1/p' >"$work/key-$role" ||
        fail_early "keelson apikey create --role $role failed"
    [ -s "$work/key-$role" ] || fail_early "keelson apikey create --json printed no secret"
done
token="${KEELSON_INTERNAL_TOKENS%%,*}"
echo "services up; fuzzing each for ${SECONDS_PER_RUN} s (seed $SEED)"

failed=0
# fuzz NAME PORT TAG CREDENTIAL: one schemathesis run over the operations tagged TAG (and Shared), on PORT. It
# passes when no check failed. An operation schemathesis itself could not generate for (its "runtime errors":
# crashes inside its generator, e.g. CPython 3.11's "AST constructor recursion depth mismatch") is named, not
# counted: it says nothing about Keelson.
fuzz() {
    local name="$1" port="$2" tag="$3" credential="$4" start=$SECONDS verdict
    "$schemathesis" --config-file Tests/Contract/schemathesis.toml run docs/openapi.yaml --url "http://127.0.0.1:$port" \
        --include-tag "$tag" --include-tag Shared -H "Authorization: Bearer $credential" --seed "$SEED" \
        --max-time "$SECONDS_PER_RUN" --workers 2 --generation-database none --no-color \
        --report junit --report-junit-path "$reports/$name.xml" >"$reports/$name.log" 2>&1
    verdict="$(python3 - "$reports/$name.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception as error:
    print(f"failed no report ({error})")
    sys.exit()
suites = list(root) if root.tag == "testsuites" else [root]
failed = [case.get("name") for suite in suites for case in suite if case.find("failure") is not None]
tool = [case.get("name") for suite in suites for case in suite if case.find("error") is not None]
tests = sum(int(suite.get("tests", 0)) for suite in suites)
note = f"; schemathesis could not generate for: {', '.join(tool)}" if tool else ""
print(("failed " + ", ".join(failed)) if failed else f"passed {tests} operations{note}")
PY
)"
    if [ "${verdict%% *}" = passed ]; then
        printf '  ✔ %-16s %3ss  %s, %s\n' "$name" "$((SECONDS - start))" "$(grep -Eo '[0-9]+ generated' "$reports/$name.log" | tail -n 1)" "${verdict#passed }"
    else
        failed=$((failed + 1))
        printf '  ✘ %-16s %3ss  %s\n' "$name" "$((SECONDS - start))" "${verdict#failed }"
        sed -n '/FAILURES/,/SUMMARY/p' "$reports/$name.log" | grep -v "^ *| " | head -n 80 | sed 's/^/      /'
    fi
}
echo "contract check:"
# The viewer first: the admin run's stateful phase lists the API keys and revokes them.
fuzz gateway-viewer "$KEELSON_PORT_gateway" Gateway "$(cat "$work/key-viewer")"
fuzz gateway-admin "$KEELSON_PORT_gateway" Gateway "$(cat "$work/key-admin")"
fuzz engine "$KEELSON_PORT_engine" Engine "$token"
fuzz marketdata "$KEELSON_PORT_marketdata" "Market data" "$token"
fuzz signals "$KEELSON_PORT_signals" Signals "$token"
# Every request above carried a secret in its Authorization header, and schemathesis sent thousands more with bad
# ones; no API key and no inter-service token may show up in any service's log.
leaks=""
for secret in "$(cat "$work/key-viewer")" "$(cat "$work/key-admin")" ${KEELSON_INTERNAL_TOKENS//,/ }; do
    [ -n "$secret" ] || continue
    for log in "$work"/logs/*.log; do
        grep -qF -- "$secret" "$log" && leaks="$leaks $(basename "$log")"
    done
done
if [ -z "$leaks" ]; then
    echo "  ✔ no-secrets-logged    no API key or inter-service token in any service's log ($(cat "$work"/logs/*.log | wc -l) lines)"
else
    failed=$((failed + 1))
    echo "  ✘ no-secrets-logged    a secret appears in:$leaks"
fi
echo "contract check: $((6 - failed)) passed, $failed failed ($((SECONDS - started)) s; reports in $reports)"
[ "$failed" = 0 ]
