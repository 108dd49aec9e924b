# Shared shell functions for running a local PostgreSQL cluster (sourced by run.sh, test.sh, stop.sh).
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` system user.

# The directory holding initdb, pg_ctl and psql: Debian's versioned directory first (it has them all), then PATH.
pg_bin_dir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/psql" ]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && command -v psql >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return 0
    fi
    return 1
}

# Installs PostgreSQL with apt-get when it is missing and we may (root, Debian/Ubuntu); otherwise says how.
ensure_postgres_installed() {
    if pg_bin_dir >/dev/null; then return 0; fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "PostgreSQL is not installed; installing it with apt-get..." >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null ||
            { echo "error: apt-get could not install postgresql; install PostgreSQL 15 by hand and retry" >&2; return 1; }
        pg_bin_dir >/dev/null && return 0
    fi
    echo "error: PostgreSQL (initdb, pg_ctl) was not found on PATH or in /usr/lib/postgresql/*/bin." >&2
    echo "       Install it: 'sudo apt-get install postgresql' (Debian/Ubuntu) or 'brew install postgresql@15' (macOS)," >&2
    echo "       or point DATABASE_URL at an existing server." >&2
    return 1
}

# Runs a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_cluster_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# start_cluster DATA_DIR PORT [extra postgres -c settings...]: initialises the cluster if needed, starts it on
# 127.0.0.1:PORT with trust auth for the local user `keelson`, and creates the database `keelson`.
start_cluster() {
    local data_dir="$1" port="$2"
    shift 2
    local bin
    bin="$(pg_bin_dir)" || return 1
    if [ ! -f "$data_dir/PG_VERSION" ]; then
        mkdir -p "$data_dir"
        chmod 700 "$data_dir"
        [ "$(id -u)" = 0 ] && chown postgres: "$data_dir"
        as_cluster_owner "$bin/initdb" -D "$data_dir" -U keelson --auth=trust -E UTF8 --no-locale >"$data_dir.initdb.log" 2>&1 ||
            { echo "error: initdb failed; see $data_dir.initdb.log" >&2; return 1; }
    fi
    if ! as_cluster_owner "$bin/pg_ctl" -D "$data_dir" status >/dev/null 2>&1; then
        local options="-p $port -k $data_dir -c listen_addresses=127.0.0.1"
        local setting
        for setting in "$@"; do options="$options -c $setting"; done
        as_cluster_owner "$bin/pg_ctl" -D "$data_dir" -o "$options" -l "$data_dir/server.log" -w -t 60 start >/dev/null ||
            { echo "error: PostgreSQL did not start on port $port; see $data_dir/server.log" >&2; return 1; }
    fi
    if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U keelson -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'keelson'" | grep -q 1; then
        "$bin/psql" -h 127.0.0.1 -p "$port" -U keelson -d postgres -qc "CREATE DATABASE keelson" >/dev/null
    fi
}

stop_cluster() {
    local data_dir="$1"
    local bin
    bin="$(pg_bin_dir)" || return 0
    [ -f "$data_dir/PG_VERSION" ] || return 0
    if as_cluster_owner "$bin/pg_ctl" -D "$data_dir" status >/dev/null 2>&1; then
        as_cluster_owner "$bin/pg_ctl" -D "$data_dir" -m fast -w stop >/dev/null
    fi
}

# start_throwaway_cluster [postgres -c settings...]: a cluster in a temporary directory on a free port;
# exports DATABASE_URL and removes it all on exit (a script with an EXIT trap of its own calls
# remove_throwaway_cluster from it).
start_throwaway_cluster() {
    ensure_postgres_installed
    throwaway_root="$(mktemp -d /tmp/keelson-pg.XXXXXX)"
    chmod 755 "$throwaway_root"
    [ "$(id -u)" = 0 ] && chown postgres: "$throwaway_root"
    local port
    port="$(free_port)"
    trap remove_throwaway_cluster EXIT
    start_cluster "$throwaway_root/data" "$port" "$@"
    export DATABASE_URL="postgres://keelson@127.0.0.1:$port/keelson"
}

# remove_throwaway_cluster: stops and deletes the cluster start_throwaway_cluster made, if any.
remove_throwaway_cluster() {
    [ -n "${throwaway_root:-}" ] || return 0
    stop_cluster "$throwaway_root/data" || true
    rm -rf "$throwaway_root"
    throwaway_root=""
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
        echo $((20000 + RANDOM % 20000))
}
