#!/usr/bin/env bash
# The load part of scripts/bench.sh: what one `GET /api/me` costs the server, per auth path, next
# to the bare reference (bench/reference) doing the same check and nothing else, all in one run, so
# the ratios compare like with like. Expects both release binaries built (bench.sh builds them).
#
# The cost figure is requests per second of *server CPU*: requests answered / CPU seconds the server
# process (plus redis-server, when the path uses Redis) used during the run, from /proc. The load
# generator's own share of the 2 cores does not count. Latency percentiles are wrk's.
#
# Every server is started first (the reference, and authlab on SQLite and on Redis, with the account
# cache on and off); then BENCH_ROUNDS rounds each measure every case, the reference's right before
# authlab's. This machine's speed drifts by tens of percent within minutes (other tenants), so a
# pair measured back to back compares like with like, and the report takes the median over rounds
# (scripts/bench/report.py) instead of one sample per case taken minutes apart.
#
# Usage: scripts/bench/load.sh RESULTS_FILE
#   Appends one line per case and round: "name|req/s of CPU|p50|p99|requests|req/s wall".
#   BENCH_ROUNDS (default 3) rounds, BENCH_SECS (default 5) seconds per case and round,
#   BENCH_CONNS (default 16) connections.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
results=$1
secs=${BENCH_SECS:-5}
rounds=${BENCH_ROUNDS:-3}
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

# An account of its own for each bearer case (scripts/bench/lib.sh's account_with), so cases with
# different switches can be interleaved.
# Credentials are fetched right before each case: an access token lives 2 minutes and a round
# takes longer, and a session idles out after 5.
bearer() { echo "Authorization: Bearer $(base=$1 jwt_login_as "$2")"; }
session() { echo "Cookie: $(base=$1 session_login)"; }

# ---- every server, started once ----------------------------------------------------------------
start_redis
ref_redis=$redis_pid
start_reference "redis://127.0.0.1:$redis_port"
ref_redis_cookie="Cookie: sid=$(json_field redis_session <<<"$ref_answer")"

start_authlab authlab
sqlite_pid=$pid
sqlite=$base
account_with bench-hs256 '{"jwt_alg":"HS256","denylist":false}'
account_with bench-eddsa '{"jwt_alg":"EdDSA","denylist":false}'
account_with bench-es256 '{"jwt_alg":"ES256","denylist":false}'
account_with bench-deny '{"jwt_alg":"HS256","denylist":true}'

# The same binary with sessions and the denylist on a Redis of its own, whose CPU counts too.
start_redis
redis_redis=$redis_pid
AUTHLAB_STORE_URL="redis://127.0.0.1:$redis_port" start_authlab authlab-redis
redis_pid_authlab=$pid
on_redis=$base
account_with bench-deny '{"jwt_alg":"HS256","denylist":true}'

# The session path's other number: accounts read from the table on every check
# (session.cache_accounts = false), on SQLite and on Redis.
AUTHLAB_SESSION_CACHE_ACCOUNTS=false start_authlab authlab-uncached
uncached_pid=$pid
uncached=$base
start_redis
uncached_redis=$redis_pid
AUTHLAB_SESSION_CACHE_ACCOUNTS=false AUTHLAB_STORE_URL="redis://127.0.0.1:$redis_port" \
  start_authlab authlab-redis-uncached
uncached_redis_pid=$pid
uncached_on_redis=$base

# ---- the rounds ----------------------------------------------------------------------------------
for round in $(seq 1 "$rounds"); do
  echo "round $round of $rounds"
  measure "reference: static ceiling" "$ref_pid" "$ref/health"
  measure "authlab: static ceiling" "$sqlite_pid" "$sqlite/favicon.svg"
  measure "reference: bearer HS256" "$ref_pid" "$ref/me/hs256" "$(ref_bearer hs256)"
  measure "authlab: bearer HS256" "$sqlite_pid" "$sqlite/api/me" "$(bearer "$sqlite" bench-hs256)"
  measure "reference: bearer EdDSA" "$ref_pid" "$ref/me/eddsa" "$(ref_bearer eddsa)"
  measure "authlab: bearer EdDSA" "$sqlite_pid" "$sqlite/api/me" "$(bearer "$sqlite" bench-eddsa)"
  measure "reference: bearer ES256" "$ref_pid" "$ref/me/es256" "$(ref_bearer es256)"
  measure "authlab: bearer ES256" "$sqlite_pid" "$sqlite/api/me" "$(bearer "$sqlite" bench-es256)"
  measure "reference: session on SQLite" "$ref_pid" "$ref/me/session" "Cookie: $ref_cookie"
  measure "authlab: session on SQLite" "$sqlite_pid" "$sqlite/api/me" "$(session "$sqlite")"
  measure "authlab: session on SQLite, account cache off" "$uncached_pid" "$uncached/api/me" \
    "$(session "$uncached")"
  measure "reference: bearer HS256 + denylist on SQLite" "$ref_pid" "$ref/me/hs256-sqlite" \
    "$(ref_bearer hs256)"
  measure "authlab: bearer HS256 + denylist on SQLite" "$sqlite_pid" "$sqlite/api/me" "$(bearer "$sqlite" bench-deny)"
  measure "reference: session on Redis" "$ref_pid" "$ref/me/session-redis" "$ref_redis_cookie" \
    "$ref_redis"
  measure "authlab: session on Redis" "$redis_pid_authlab" "$on_redis/api/me" "$(session "$on_redis")" \
    "$redis_redis"
  measure "authlab: session on Redis, account cache off" "$uncached_redis_pid" \
    "$uncached_on_redis/api/me" "$(session "$uncached_on_redis")" "$uncached_redis"
  measure "reference: bearer HS256 + denylist on Redis" "$ref_pid" "$ref/me/hs256-redis" \
    "$(ref_bearer hs256)" "$ref_redis"
  measure "authlab: bearer HS256 + denylist on Redis" "$redis_pid_authlab" "$on_redis/api/me" \
    "$(bearer "$on_redis" bench-deny)" "$redis_redis"
done

# Memory beside the throughput: each server's peak RSS over every round.
echo "peak RSS: reference $(peak_rss_mb "$ref_pid") MB; authlab on SQLite $(peak_rss_mb "$sqlite_pid") MB," \
  "on Redis $(peak_rss_mb "$redis_pid_authlab") MB (its redis-server $(peak_rss_mb "$redis_redis") MB)," \
  "account cache off $(peak_rss_mb "$uncached_pid") MB and on Redis $(peak_rss_mb "$uncached_redis_pid") MB"
