#!/usr/bin/env bash
# The login-stall part of scripts/bench.sh: does a burst of logins (argon2, ~14 ms of a core each)
# slow everybody else down? `GET /api/me` (a cookie session on SQLite) is measured idle, then again
# while another load generator keeps the argon2 pool saturated with logins, once per pool size:
# the old fixed 2, and the default (0: one fewer than the cores).
#
# A p99 on this shared machine swings from 0.3 to 2 ms between two idle runs a minute apart, so
# idle and loaded alternate in BENCH_ROUNDS rounds and the report compares each loaded window with
# the idle window right before it (the median over the rounds).
#
# Usage: scripts/bench/stall.sh RESULTS_FILE
#   Appends, per round, "stall POOL idle|…" and "stall POOL loaded|…" lines (the record_wrk
#   fields), and "stall POOL logins|logins per second|answers not 2xx".
#   BENCH_ROUNDS (default 3) rounds, BENCH_SECS (default 6) seconds per window.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
results=$1
secs=${BENCH_SECS:-6}
rounds=${BENCH_ROUNDS:-3}
source "$here/scripts/bench/lib.sh"

cat >"$work/login.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"username":"bob","password":"bob-builds-it"}'
wrk.headers["Content-Type"] = "application/json"
LUA

for pool in 2 0; do
  # The logins all name bob: his share of the hashing slots (passwords.max_hashes_per_account)
  # is raised past the pool and its queue, so that they still saturate the pool, which is what
  # this part measures (with the shipped share, they would be refused with 429 past 3).
  AUTHLAB_PASSWORDS_MAX_HASHES_PER_ACCOUNT=64 AUTHLAB_PASSWORDS_MAX_CONCURRENT_HASHES=$pool \
    start_authlab "stall-$pool"
  session=$(session_login)
  label="stall $pool"
  [ "$pool" = 0 ] && label="stall default"
  wrk -t1 -c4 -d2s -H "Cookie: $session" "$base/api/me" >/dev/null
  for round in $(seq 1 "$rounds"); do
    t0=$(cpu_ticks "$pid")
    report=$(wrk -t1 -c4 -d"${secs}s" --latency -H "Cookie: $session" "$base/api/me")
    record_wrk "$label idle" "$report" "$t0" "$(cpu_ticks "$pid")" >>"$results"
    # Logins from 8 connections: more than the pool runs at once, fewer than it lets queue.
    wrk -t1 -c8 -d"$((secs + 3))s" -s "$work/login.lua" "$base/api/session/login" >"$work/logins" &
    logins=$!
    sleep 2
    t0=$(cpu_ticks "$pid")
    report=$(wrk -t1 -c4 -d"${secs}s" --latency -H "Cookie: $session" "$base/api/me")
    record_wrk "$label loaded" "$report" "$t0" "$(cpu_ticks "$pid")" >>"$results"
    wait "$logins"
    rate=$(awk '/^Requests\/sec/ {print $2}' "$work/logins")
    refused=$(awk '/Non-2xx/ {print $NF}' "$work/logins")
    echo "$label logins|$rate|${refused:-0}" >>"$results"
    tail -3 "$results"
    if [ "$pool" = 0 ]; then
      # The floor: no logins, but one busy loop in the idle scheduling class, the class the
      # hashing threads run in, and nothing to do with authlab. What any busy thread on the
      # other core costs a request's p99 on this machine, measured in the same round.
      chrt --idle 0 sh -c 'while :; do :; done' &
      spinner=$!
      pids+=("$spinner")
      sleep 1
      t0=$(cpu_ticks "$pid")
      report=$(wrk -t1 -c4 -d"${secs}s" --latency -H "Cookie: $session" "$base/api/me")
      record_wrk "$label spinner" "$report" "$t0" "$(cpu_ticks "$pid")" >>"$results"
      stop "$spinner"
      tail -1 "$results"
    fi
  done
  stop "$pid"
done
