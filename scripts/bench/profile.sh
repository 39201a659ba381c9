#!/usr/bin/env bash
# Where the microseconds of one `GET /api/me` go, in authlab and in the bare reference, for two
# cases: bearer HS256 (the cheapest path, a check in memory) and a session on Redis (a lookup in
# another process). Each server is sampled with perf (call stacks unwound from DWARF) while wrk
# loads it, redis-server with it on the Redis case, and each sample is put in one part
# (scripts/bench/parts.py): the check or the lookup itself, the request log, the answer's JSON,
# the lab's own bookkeeping and headers, Redis' own work, the HTTP server with the kernel. Each
# part's share of the samples times the CPU per request measured right before without perf
# (which slows what it samples) gives its microseconds.
#
# Usage: scripts/bench/profile.sh OUT_JSON
#   Writes OUT_JSON. Needs perf (Debian's linux-perf) allowed to sample other processes; without
#   it, it says so and writes nothing. BENCH_KEEP_STACKS=DIR keeps perf's stacks there, to read.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
out=$1
secs=${BENCH_SECS:-5}
source "$here/scripts/bench/lib.sh"

if ! perf record -o "$work/probe.data" -- true >/dev/null 2>&1; then
  echo "perf cannot record here (not installed, or not allowed): no profile" >&2
  exit 1
fi

# The reference and authlab each with a Redis of their own, whose CPU counts on the Redis case.
start_redis
ref_redis=$redis_pid
start_reference "redis://127.0.0.1:$redis_port"
start_redis
lab_redis=$redis_pid
AUTHLAB_STORE_URL="redis://127.0.0.1:$redis_port" start_authlab authlab
account_with bench-hs256 '{"jwt_alg":"HS256","denylist":false}'

# sample NAME URL HEADER PID [ALSO_PID]: CPU per request without perf, then the stacks with it.
sample() {
  local name=$1 url=$2 header=$3 pid=$4 also=${5:-} t0 t1 report
  wrk -t1 -c16 -d2s -H "$header" "$url" >/dev/null
  t0=$(cpu_ticks "$pid" "$also")
  report=$(wrk -t1 -c16 -d"${secs}s" -H "$header" "$url")
  t1=$(cpu_ticks "$pid" "$also")
  record_wrk "$name" "$report" "$t0" "$t1" >"$work/$name.cost"
  perf record -q -F 499 --call-graph dwarf,16384 -p "$pid${also:+,$also}" -o "$work/$name.data" \
    -- sleep 4 >/dev/null 2>&1 &
  local recorder=$!
  wrk -t1 -c16 -d5s -H "$header" "$url" >/dev/null
  wait "$recorder"
  # --no-inline: resolving inlined frames runs addr2line per address, minutes for a few thousand
  # samples; an inlined function counts for its caller (scripts/bench/parts.py).
  perf script --no-inline -i "$work/$name.data" 2>/dev/null >"$work/$name.stacks"
  if [ -n "${BENCH_KEEP_STACKS:-}" ]; then
    mkdir -p "$BENCH_KEEP_STACKS"
    cp "$work/$name.stacks" "$work/$name.cost" "$BENCH_KEEP_STACKS/"
  fi
}
sample hs256-reference "$ref/me/hs256" "$(ref_bearer hs256)" "$ref_pid"
# A fresh token: one lives 2 minutes.
sample hs256-authlab "$base/api/me" "Authorization: Bearer $(jwt_login_as bench-hs256)" "$pid"
sample redis-reference "$ref/me/session-redis" \
  "Cookie: sid=$(json_field redis_session <<<"$ref_answer")" "$ref_pid" "$ref_redis"
sample redis-authlab "$base/api/me" "Cookie: $(session_login)" "$pid" "$lab_redis"

python3 "$here/scripts/bench/parts.py" "$out" \
  "bearer HS256" "$work/hs256-reference.cost" "$work/hs256-reference.stacks" \
  "$work/hs256-authlab.cost" "$work/hs256-authlab.stacks" \
  "session on Redis" "$work/redis-reference.cost" "$work/redis-reference.stacks" \
  "$work/redis-authlab.cost" "$work/redis-authlab.stacks"
