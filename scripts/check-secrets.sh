#!/usr/bin/env bash
# Looks through every log a test run wrote (the services' own logs, and the test run's output with the logs of
# the services it ran in-process) for the secrets the tests use: the inter-service tokens, the exchange API key and
# secret, the webhook signing secret, and any API key as a client presents it (kk_<id>_<secret>). A secret in a log
# is a leak: exit 1 naming the files.
set -euo pipefail
directory="${1:?usage: scripts/check-secrets.sh LOG_DIRECTORY}"
shopt -s nullglob
logs=("$directory"/*.log)
[ ${#logs[@]} -gt 0 ] || { echo "error: no logs in $directory; run the tests with KEELSON_TEST_LOGS=$directory" >&2; exit 2; }

secrets=(
    test-token-alpha-0123456789abcdef test-token-beta-0123456789abcdef                 # TestConfiguration.tokens
    vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A                     # the fake exchange's API key
    NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j                     # and its secret
    keelson-webhook-secret-0001                                                          # the notification tests' signing secret
)
leaks=""
for log in "${logs[@]}"; do
    for secret in "${secrets[@]}"; do
        grep -qF -- "$secret" "$log" && leaks="$leaks $(basename "$log") ($secret)"
    done
    grep -qE 'kk_[a-z0-9]{6,}_[A-Za-z0-9_-]{32,}' "$log" && leaks="$leaks $(basename "$log") (an API key)"
done
lines=$(cat "${logs[@]}" | wc -l)
if [ -z "$leaks" ]; then
    echo "secrets: none in ${#logs[@]} logs ($lines lines) written by the tests"
else
    echo "secrets: ✘ found in:$leaks" >&2
    exit 1
fi
