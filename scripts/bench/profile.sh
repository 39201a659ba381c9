#!/usr/bin/env bash
# Where the microseconds of the cheapest path go: one `GET /api/me` with a bearer HS256 token, in
# authlab and in the bare reference, split into parts by sampling each server with perf (call
# stacks unwound from DWARF) while wrk loads it. The parts (scripts/bench/parts.py) are the
# check itself, the request log, the answer's JSON, the lab's own bookkeeping and headers, and the
# HTTP server with the kernel; each part's share of the samples times the CPU per request measured
# right before without perf (which slows what it samples) gives its microseconds.
#
# Usage: scripts/bench/profile.sh RESULTS_DIR
#   Writes RESULTS_DIR/parts.json. Needs perf (Debian's linux-perf) allowed to sample other
#   processes; without it, it says so and writes nothing.
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

port=$(free_port)
"$here/target/release/authlab-reference" "127.0.0.1:$port" "$work/reference.db" \
  >"$work/reference.log" 2>&1 &
ref_pid=$!
pids+=("$ref_pid")
ref="http://127.0.0.1:$port"
wait_up "$ref/health"
ref_token=$(curl -fsS -X POST "$ref/login" | json_field hs256)

start_authlab authlab
password=bench-password-1234
login() {
  curl -fsS -X POST -H 'content-type: application/json' \
    -d "{\"username\":\"bench-hs256\",\"password\":\"$password\"}" "$base/api/jwt/login" |
    json_field access_token
}
curl -fsS -o /dev/null -X POST -H 'content-type: application/json' \
  -d "{\"username\":\"bench-hs256\",\"password\":\"$password\"}" "$base/api/register"
curl -fsS -o /dev/null -X PUT -H 'content-type: application/json' \
  -H "authorization: Bearer $(login)" -d '{"jwt_alg":"HS256","denylist":false}' \
  "$base/api/lab-settings"

# sample NAME PID URL HEADER: CPU per request without perf, then the stacks with it.
sample() {
  local name=$1 pid=$2 url=$3 header=$4 t0 t1 report
  wrk -t1 -c16 -d2s -H "$header" "$url" >/dev/null
  t0=$(cpu_ticks "$pid")
  report=$(wrk -t1 -c16 -d"${secs}s" -H "$header" "$url")
  t1=$(cpu_ticks "$pid")
  record_wrk "$name" "$report" "$t0" "$t1" >"$work/$name.cost"
  perf record -q -F 499 --call-graph dwarf,16384 -p "$pid" -o "$work/$name.data" \
    -- sleep 4 >/dev/null 2>&1 &
  local recorder=$!
  wrk -t1 -c16 -d5s -H "$header" "$url" >/dev/null
  wait "$recorder"
  # --no-inline: resolving inlined frames runs addr2line per address, minutes for a few thousand
  # samples; an inlined function counts for its caller (scripts/bench/parts.py).
  perf script --no-inline -i "$work/$name.data" 2>/dev/null >"$work/$name.stacks"
}
sample reference "$ref_pid" "$ref/me/hs256" "Authorization: Bearer $ref_token"
# A fresh token: one lives 2 minutes.
sample authlab "$pid" "$base/api/me" "Authorization: Bearer $(login)"

python3 "$here/scripts/bench/parts.py" "$out" \
  reference "$work/reference.cost" "$work/reference.stacks" \
  authlab "$work/authlab.cost" "$work/authlab.stacks"
