# Shared shell functions of the deployment checks (sourced by check-deployment.sh, check-scrape.sh and the
# Makefile's deployment targets): installing the tools they need, and running the four services on loopback.
# A fresh machine gets everything from Debian (apt-get, as root) and PyPI (pip, into venvs under
# .build-tools/venv/, which later runs reuse).

DEPLOY_TOOLS_DIR="${DEPLOY_TOOLS_DIR:-$PWD/.build-tools}"
DEPLOY_VENVS="$DEPLOY_TOOLS_DIR/venv"
_deploy_apt_updated=false

# ensure_apt_tool BINARY PACKAGE: installs PACKAGE with apt-get when BINARY is not on PATH.
ensure_apt_tool() {
    local binary="$1" package="$2"
    command -v "$binary" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "error: $binary is missing; install the Debian package '$package' (apt-get install $package)" >&2
        return 1
    fi
    echo "installing $package with apt-get (for $binary)..." >&2
    if [ "$_deploy_apt_updated" = false ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
        _deploy_apt_updated=true
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1 ||
        { echo "error: apt-get could not install $package" >&2; return 1; }
    command -v "$binary" >/dev/null 2>&1 || { echo "error: $package is installed but $binary is still missing" >&2; return 1; }
}

# ensure_venv NAME BINARY PIP-ARGS...: a venv .build-tools/venv/NAME with BINARY in it, made with pip when missing.
# The requirement list is remembered, so changing it rebuilds the venv.
ensure_venv() {
    local name="$1" binary="$2"
    shift 2
    local venv="$DEPLOY_VENVS/$name" wanted="$*"
    if [ -x "$venv/bin/$binary" ] && [ "$(cat "$venv/.requirements" 2>/dev/null)" = "$wanted" ]; then
        return 0
    fi
    ensure_apt_tool python3 python3 || return 1
    python3 -c 'import venv, ensurepip' 2>/dev/null || ensure_apt_tool_module_venv || return 1
    echo "installing $wanted into $venv (pip; once per machine)..." >&2
    rm -rf "$venv"
    mkdir -p "$DEPLOY_VENVS"
    python3 -m venv "$venv" &&
        "$venv/bin/pip" install -q --disable-pip-version-check "$@" >"$venv.pip.log" 2>&1 ||
        { echo "error: pip could not install $wanted; see $venv.pip.log" >&2; return 1; }
    echo "$wanted" >"$venv/.requirements"
}

ensure_apt_tool_module_venv() {
    local version
    version="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    _deploy_apt_updated=false
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "python$version-venv" >/dev/null 2>&1 ||
        { echo "error: python3 -m venv does not work; install python3-venv" >&2; return 1; }
}

# docker-compose 1.29.2 pins PyYAML 5.x, whose source build fails under Cython 3, and jsonschema 3, which
# kubernetes-validate cannot use: it gets a venv of its own, with PyYAML built against Cython < 3 first.
ensure_compose_venv() {
    local venv="$DEPLOY_VENVS/compose" wanted="docker-compose==1.29.2"
    if [ -x "$venv/bin/docker-compose" ] && [ "$(cat "$venv/.requirements" 2>/dev/null)" = "$wanted" ]; then
        return 0
    fi
    echo "installing $wanted into $venv (pip; once per machine)..." >&2
    rm -rf "$venv"
    python3 -m venv "$venv" &&
        "$venv/bin/pip" install -q --disable-pip-version-check "cython<3.0" wheel setuptools >"$venv.pip.log" 2>&1 &&
        "$venv/bin/pip" install -q --disable-pip-version-check --no-build-isolation "pyyaml==5.4.1" >>"$venv.pip.log" 2>&1 &&
        "$venv/bin/pip" install -q --disable-pip-version-check "$wanted" >>"$venv.pip.log" 2>&1 ||
        { echo "error: pip could not install $wanted; see $venv.pip.log" >&2; return 1; }
    echo "$wanted" >"$venv/.requirements"
}

# kubectl with kustomize: the machine's; else the `kubectl` package where an apt source offers it (its kustomize
# is current); else Debian's kubernetes-client.
ensure_kubectl() {
    command -v kubectl >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
        _deploy_apt_updated=true
        if apt-cache show kubectl >/dev/null 2>&1; then
            ensure_apt_tool kubectl kubectl && return 0
        fi
    fi
    ensure_apt_tool kubectl kubernetes-client
}

# ------------------------------------------------------------------------------- the services on loopback

# start_keelson_services BIN_DIR LOG_DIR: starts the four services on free loopback ports against DATABASE_URL
# (which must be migrated) with fresh inter-service tokens. Sets KEELSON_PIDS ("service pid" lines) and
# exports KEELSON_<SERVICE>_URL; KEELSON_PORT_<service> holds each port.
start_keelson_services() {
    local bin="$1" logs="$2" service port upper
    mkdir -p "$logs"
    if [ -z "${KEELSON_INTERNAL_TOKENS:-}" ]; then
        KEELSON_INTERNAL_TOKENS="$("$bin/keelson" secrets generate | sed -n 's/^KEELSON_INTERNAL_TOKENS=//p')"
        [ -n "$KEELSON_INTERNAL_TOKENS" ] || { echo "error: keelson secrets generate printed no token" >&2; return 1; }
        export KEELSON_INTERNAL_TOKENS
    fi
    for service in gateway engine marketdata signals; do
        port="$(free_port)"
        upper="$(echo "$service" | tr a-z A-Z)"
        export "KEELSON_${upper}_URL=http://127.0.0.1:$port"
        printf -v "KEELSON_PORT_$service" '%s' "$port"
    done
    KEELSON_PIDS=""
    for service in gateway engine marketdata signals; do
        port_var="KEELSON_PORT_$service"
        KEELSON_HOST=127.0.0.1 KEELSON_PORT="${!port_var}" KEELSON_MODE=paper LOG_FORMAT=json \
            "$bin/keelson-$service" >"$logs/$service.log" 2>&1 &
        KEELSON_PIDS="$KEELSON_PIDS$service $!"$'\n'
    done
}

# keelson_bin_dir [DIR]: the absolute path of the built executables (DIR, else KEELSON_BIN_DIR, else .build/debug),
# after checking all five are there; says what to do and fails otherwise.
keelson_bin_dir() {
    local given="${1:-${KEELSON_BIN_DIR:-.build/debug}}" dir executable
    dir="$(cd "$given" 2>/dev/null && pwd)" || { echo "error: '$given' is not a directory; build first (swift build)" >&2; return 1; }
    for executable in keelson keelson-gateway keelson-engine keelson-marketdata keelson-signals; do
        [ -x "$dir/$executable" ] || { echo "error: $dir/$executable is missing; build first (swift build)" >&2; return 1; }
    done
    echo "$dir"
}

# wait_for_keelson_services SECONDS: until each service started by start_keelson_services answers (the gateway's
# /ping — its /health is the whole system's — and the others' /health); names the first that does not.
wait_for_keelson_services() {
    local seconds="$1" service port_var pid path
    for service in gateway engine marketdata signals; do
        port_var="KEELSON_PORT_$service"
        pid="$(printf '%s' "$KEELSON_PIDS" | awk -v s="$service" '$1 == s {print $2}')"
        path=/health
        [ "$service" = gateway ] && path=/ping
        wait_for_url "http://127.0.0.1:${!port_var}$path" "$seconds" "$pid" ||
            { echo "keelson-$service did not answer $path within $seconds s" >&2; return 1; }
    done
}

# stop_keelson_services: SIGTERM to every service started above, SIGKILL after 10 seconds.
stop_keelson_services() {
    local pids
    pids="$(printf '%s' "${KEELSON_PIDS:-}" | awk '{print $2}')"
    [ -n "$pids" ] || return 0
    kill $pids 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 $pids 2>/dev/null || break
        sleep 0.1
    done
    kill -9 $pids 2>/dev/null || true
    wait $pids 2>/dev/null || true
    KEELSON_PIDS=""
}

# wait_for_url URL SECONDS [PID]: until URL answers 2xx; fails after SECONDS or as soon as PID exits.
wait_for_url() {
    local url="$1" seconds="$2" pid="${3:-}" deadline=$((SECONDS + $2))
    while [ "$SECONDS" -lt "$deadline" ]; do
        curl -fsS --max-time 2 "$url" >/dev/null 2>&1 && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
        sleep 0.2
    done
    return 1
}
