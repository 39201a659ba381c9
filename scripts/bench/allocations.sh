#!/usr/bin/env bash
# Heap allocations per request on the session-on-Redis path: authlab's `GET /api/me` with a
# session cookie next to the bare reference's `/me/session-redis`, each server run under heaptrack.
# Unlike CPU time, the count does not drift with the machine's load, so it shows a change to the
# path exactly. Not part of scripts/bench.sh (heaptrack slows the servers down several times).
#
# Each server runs twice under heaptrack: once with no load (start, sign in, stop) and once with
# BENCH_SECS of wrk. (allocations loaded - allocations idle) / requests is the per-request figure,
# so start-up, migrations and the sign-in are not counted.
#
# heaptrack counts the calls to glibc's malloc, and both servers normally allocate with mimalloc
# (`src/main.rs`): so this builds both with the `system-allocator` feature, in the `heaptrack`
# profile (target/heaptrack/, apart from the release binaries; the first build takes several
# minutes).
#
# Usage: scripts/bench/allocations.sh   (installs redis-server, wrk and heaptrack from Debian's
# packages when missing)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
secs=${BENCH_SECS:-5}
source "$here/scripts/lib/setup.sh"
source "$here/scripts/bench/lib.sh"

ensure_redis
ensure_debian_tools wrk heaptrack
cargo build --profile heaptrack --no-default-features --features ssr,system-allocator --bin authlab
cargo build --profile heaptrack --features system-allocator \
  --manifest-path bench/reference/Cargo.toml --target-dir target
bin=$here/target/heaptrack

# allocations FILE: the total count heaptrack recorded.
allocations() {
  heaptrack_print -f "$1" 2>/dev/null | awk -F': ' '/^calls to allocation functions/ {print $2}' |
    awk '{print $1}'
}

# under_heaptrack LABEL LOAD(yes|no) PATH BINARY ARGS...: runs the server under heaptrack (its
# settings from the environment), signs in (the caller's sign_in), optionally loads PATH with wrk,
# and stops the server with SIGINT so heaptrack writes its file; sets count and requests.
under_heaptrack() {
  local label=$1 load=$2 path=$3 binary=$4
  shift 3
  fresh
  heaptrack -o "$work/$label-$load" "$@" >"$work/$label-$load.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  wait_up "$url/"
  local header
  header=$(sign_in)
  requests=0
  if [ "$load" = yes ]; then
    requests=$(wrk -t1 -c4 -d"${secs}s" -H "$header" "$url$path" | awk '/requests in/ {print $1}')
  fi
  # The server itself, not heaptrack's wrapper script (whose command line names it too).
  pkill -INT -f "^$binary " || pkill -INT -f "^$binary\$" || true
  wait "$pid" 2>/dev/null || true
  count=$(allocations "$work/$label-$load.zst")
}

# per_request LABEL PATH BINARY ARGS...: prints "LABEL: N allocations per request (R requests)".
per_request() {
  local label=$1 path=$2
  shift 2
  under_heaptrack "$label" no "$path" "$@"
  local idle=$count
  under_heaptrack "$label" yes "$path" "$@"
  python3 -c "print('$label: %.1f allocations per request (%d requests)' % (($count - $idle) / $requests, $requests))"
}

start_redis
port=$(free_port)
url="http://127.0.0.1:$port"

# The reference: its session is one Redis key, made by POST /login.
fresh() { rm -f "$work"/reference.db*; redis-cli -p "$redis_port" flushall >/dev/null; }
sign_in() { echo "Cookie: sid=$(curl -fsS -X POST "$url/login" | json_field redis_session)"; }
per_request reference /me/session-redis "$bin/authlab-reference" \
  "127.0.0.1:$port" "$work/reference.db" "redis://127.0.0.1:$redis_port"

# authlab on a fresh database for each run, sessions on Redis, bob signed in.
fresh() {
  rm -rf "$work/authlab" && mkdir -p "$work/authlab"
  redis-cli -p "$redis_port" flushall >/dev/null
}
sign_in() { base=$url; echo "Cookie: $(session_login)"; }
: >"$work/none.toml"
export AUTHLAB_SETTINGS="$work/none.toml" AUTHLAB_LISTEN="127.0.0.1:$port" \
  AUTHLAB_DATABASE_URL="sqlite://$work/authlab/lab.db" LEPTOS_SITE_ROOT="$here/target/site" \
  AUTHLAB_STORE_URL="redis://127.0.0.1:$redis_port"
per_request authlab /api/me "$bin/authlab"
