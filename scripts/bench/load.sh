#!/usr/bin/env bash
# The load part of scripts/bench.sh: what one `GET /api/me` costs the server, per auth path, next
# to the bare reference (bench/reference) doing the same check and nothing else, all in one run, so
# the ratios compare like with like. Expects both release binaries built (bench.sh builds them).
#
# The cost figure is requests per second of *server CPU*: requests answered / CPU seconds the server
# process (plus redis-server, when the path uses Redis) used during the run, from /proc. The load
# generator's own share of the 2 cores does not count. Latency percentiles are wrk's.
#
# Usage: scripts/bench/load.sh RESULTS_FILE
#   Appends one line per case: "name|req/s of CPU|p50|p99|requests|req/s wall".
#   BENCH_SECS (default 10) seconds per case, BENCH_CONNS (default 16) connections.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
results=$1
secs=${BENCH_SECS:-10}
conns=${BENCH_CONNS:-16}
source "$here/scripts/bench/lib.sh"

# measure NAME PID URL [HEADER [ALSO_PID]]: one wrk run after a warm-up.
measure() {
  local name=$1 pid=$2 url=$3 header=${4:-} also=${5:-}
  local args=(-t1 -c"$conns" -d"${secs}s" --latency)
  [ -n "$header" ] && args+=(-H "$header")
  # A short warm-up, so every case starts with warm caches and open pools.
  wrk -t1 -c"$conns" -d2s ${header:+-H "$header"} "$url" >/dev/null
  local t0 t1 report
  t0=$(cpu_ticks "$pid" "$also")
  report=$(wrk "${args[@]}" "$url")
  t1=$(cpu_ticks "$pid" "$also")
  record_wrk "$name" "$report" "$t0" "$t1" >>"$results"
  tail -1 "$results" | awk -F'|' '{printf "%s: %s req/s of server CPU, p50 %s, p99 %s\n", $1, $2, $3, $4}'
}

jwt_login() {
  curl -fsS -X POST -H 'content-type: application/json' -d "$login_body" "$base/api/jwt/login" |
    json_field access_token
}
set_switch() {
  curl -fsS -o /dev/null -X PUT -H 'content-type: application/json' \
    -H "authorization: Bearer $1" -d "$2" "$base/api/lab-settings"
}
# bearer_with SWITCHES: signs in, switches, signs in again (the new token carries the switches).
bearer_with() {
  local token
  token=$(jwt_login)
  set_switch "$token" "$1"
  jwt_login
}

bench_authlab() {
  start_authlab authlab
  measure "authlab: static ceiling" "$pid" "$base/favicon.svg"
  measure "authlab: session on SQLite" "$pid" "$base/api/me" "Cookie: $(session_login)"
  measure "authlab: bearer EdDSA" "$pid" "$base/api/me" \
    "Authorization: Bearer $(bearer_with '{"jwt_alg":"EdDSA","denylist":false}')"
  measure "authlab: bearer ES256" "$pid" "$base/api/me" \
    "Authorization: Bearer $(bearer_with '{"jwt_alg":"ES256","denylist":false}')"
  measure "authlab: bearer HS256" "$pid" "$base/api/me" \
    "Authorization: Bearer $(bearer_with '{"jwt_alg":"HS256","denylist":false}')"
  measure "authlab: bearer HS256 + denylist on SQLite" "$pid" "$base/api/me" \
    "Authorization: Bearer $(bearer_with '{"jwt_alg":"HS256","denylist":true}')"
  stop "$pid"
}

# The same binary with sessions and the denylist on a real Redis, whose CPU counts with authlab's.
bench_authlab_redis() {
  start_redis
  AUTHLAB_STORE_URL="redis://127.0.0.1:$redis_port" start_authlab authlab-redis
  measure "authlab: session on Redis" "$pid" "$base/api/me" "Cookie: $(session_login)" "$redis_pid"
  measure "authlab: bearer HS256 + denylist on Redis" "$pid" "$base/api/me" \
    "Authorization: Bearer $(bearer_with '{"jwt_alg":"HS256","denylist":true}')" "$redis_pid"
  stop "$pid"
  stop "$redis_pid"
}

# The session path's other number: accounts read from the table on every check
# (session.cache_accounts = false), on SQLite and on Redis.
bench_authlab_cache_off() {
  AUTHLAB_SESSION_CACHE_ACCOUNTS=false start_authlab authlab-uncached
  measure "authlab: session on SQLite, account cache off" "$pid" "$base/api/me" "Cookie: $(session_login)"
  stop "$pid"
  start_redis
  AUTHLAB_SESSION_CACHE_ACCOUNTS=false AUTHLAB_STORE_URL="redis://127.0.0.1:$redis_port" \
    start_authlab authlab-redis-uncached
  measure "authlab: session on Redis, account cache off" "$pid" "$base/api/me" \
    "Cookie: $(session_login)" "$redis_pid"
  stop "$pid"
  stop "$redis_pid"
}

bench_reference() {
  start_redis
  local port
  port=$(free_port)
  "$here/target/release/authlab-reference" "127.0.0.1:$port" "$work/reference.db" \
    "redis://127.0.0.1:$redis_port" >"$work/reference.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  base="http://127.0.0.1:$port"
  wait_up "$base/health"
  local answer cookie bearer
  answer=$(curl -fsS -D "$work/reference.headers" -X POST "$base/login")
  cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(id=[^;]*\).*/\1/p' "$work/reference.headers")
  bearer() { echo "Authorization: Bearer $(json_field "$1" <<<"$answer")"; }
  measure "reference: static ceiling" "$pid" "$base/health"
  measure "reference: session on SQLite" "$pid" "$base/me/session" "Cookie: $cookie"
  measure "reference: bearer EdDSA" "$pid" "$base/me/eddsa" "$(bearer eddsa)"
  measure "reference: bearer ES256" "$pid" "$base/me/es256" "$(bearer es256)"
  measure "reference: bearer HS256" "$pid" "$base/me/hs256" "$(bearer hs256)"
  measure "reference: bearer HS256 + denylist on SQLite" "$pid" "$base/me/hs256-sqlite" "$(bearer hs256)"
  measure "reference: session on Redis" "$pid" "$base/me/session-redis" \
    "Cookie: sid=$(json_field redis_session <<<"$answer")" "$redis_pid"
  measure "reference: bearer HS256 + denylist on Redis" "$pid" "$base/me/hs256-redis" \
    "$(bearer hs256)" "$redis_pid"
  stop "$pid"
  stop "$redis_pid"
}

bench_reference
bench_authlab
bench_authlab_redis
bench_authlab_cache_off
