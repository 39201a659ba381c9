#!/usr/bin/env bash
# Every auth path of `GET /api/me`, measured side by side on two builds of authlab in one run: the
# current release build and an earlier one (BEFORE_BINARY, e.g. the commit before a refactor). A
# structural change must not make an auth path slower; this says whether it did, within the run's
# noise.
#
# Both builds run the same cases at once, each on its own database (and its own redis-server for
# the Redis cases): bearer HS256, EdDSA and ES256, the denylist on SQLite and on Redis, sessions on
# SQLite and on Redis with the account cache on and off. Rounds alternate which build goes first
# (this machine's speed drifts within minutes), and the summary takes each case's median over the
# rounds: requests per second of server CPU (the server plus its redis-server), after / before,
# then both builds' peak RSS.
#
# Usage: scripts/bench/before_after.sh BEFORE_BINARY [RESULTS_FILE]
#   BENCH_ROUNDS (default 4), BENCH_SECS (default 5), BENCH_CONNS (default 16); BENCH_ONLY, a
#   grep -E pattern, measures only the cases whose name matches (e.g. 'HS256$|on Redis$').
#   Expects the release build (target/release/authlab) made; the bench scripts build it.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
before_binary=$(realpath "$1")
results=${2:-$(mktemp /tmp/authlab-before-after-XXXX.txt)}
secs=${BENCH_SECS:-5}
rounds=${BENCH_ROUNDS:-4}
conns=${BENCH_CONNS:-16}
source "$here/scripts/bench/lib.sh"

# measure NAME PID URL HEADER [ALSO_PID]: one wrk run after a short warm-up.
measure() {
  local name=$1 pid=$2 url=$3 header=$4 also=${5:-}
  grep -qE "${BENCH_ONLY:-.}" <<<"${name#*|}" || return 0
  wrk -t1 -c"$conns" -d2s -H "$header" "$url" >/dev/null
  local t0 t1 report
  t0=$(cpu_ticks "$pid" "$also")
  report=$(wrk -t1 -c"$conns" -d"${secs}s" --latency -H "$header" "$url")
  t1=$(cpu_ticks "$pid" "$also")
  record_wrk "$name" "$report" "$t0" "$t1" >>"$results"
  tail -1 "$results" | awk -F'|' '{printf "  %s, %s: %s req/s of server CPU, p99 %s\n", $1, $2, $3, $5}'
}
bearer() { echo "Authorization: Bearer $(base=$1 jwt_login_as "$2")"; }
session() { echo "Cookie: $(base=$1 session_login)"; }

# start_build WHICH BINARY: the four servers of one build, named after WHICH (before, after).
declare -A at pid_of redis_of
start_build() {
  local which=$1
  export BENCH_BINARY=$2
  start_authlab "$which-sqlite"
  at[$which-sqlite]=$base pid_of[$which-sqlite]=$pid
  account_with bench-hs256 '{"jwt_alg":"HS256","denylist":false}'
  account_with bench-eddsa '{"jwt_alg":"EdDSA","denylist":false}'
  account_with bench-es256 '{"jwt_alg":"ES256","denylist":false}'
  account_with bench-deny '{"jwt_alg":"HS256","denylist":true}'
  AUTHLAB_SESSION_CACHE_ACCOUNTS=false start_authlab "$which-uncached"
  at[$which-uncached]=$base pid_of[$which-uncached]=$pid
  start_redis
  AUTHLAB_STORE_URL="redis://127.0.0.1:$redis_port" start_authlab "$which-redis"
  at[$which-redis]=$base pid_of[$which-redis]=$pid redis_of[$which-redis]=$redis_pid
  account_with bench-deny '{"jwt_alg":"HS256","denylist":true}'
  start_redis
  AUTHLAB_SESSION_CACHE_ACCOUNTS=false AUTHLAB_STORE_URL="redis://127.0.0.1:$redis_port" \
    start_authlab "$which-redis-uncached"
  at[$which-redis-uncached]=$base pid_of[$which-redis-uncached]=$pid
  redis_of[$which-redis-uncached]=$redis_pid
  unset BENCH_BINARY
}
start_build before "$before_binary"
start_build after "$here/target/release/authlab"

# cases WHICH: every auth path of one build.
cases() {
  local w=$1 s=${at[$1-sqlite]} u=${at[$1-uncached]} r=${at[$1-redis]} ru=${at[$1-redis-uncached]}
  measure "$w|bearer HS256" "${pid_of[$w-sqlite]}" "$s/api/me" "$(bearer "$s" bench-hs256)"
  measure "$w|bearer EdDSA" "${pid_of[$w-sqlite]}" "$s/api/me" "$(bearer "$s" bench-eddsa)"
  measure "$w|bearer ES256" "${pid_of[$w-sqlite]}" "$s/api/me" "$(bearer "$s" bench-es256)"
  measure "$w|bearer HS256 + denylist on SQLite" "${pid_of[$w-sqlite]}" "$s/api/me" \
    "$(bearer "$s" bench-deny)"
  measure "$w|session on SQLite" "${pid_of[$w-sqlite]}" "$s/api/me" "$(session "$s")"
  measure "$w|session on SQLite, account cache off" "${pid_of[$w-uncached]}" "$u/api/me" \
    "$(session "$u")"
  measure "$w|bearer HS256 + denylist on Redis" "${pid_of[$w-redis]}" "$r/api/me" \
    "$(bearer "$r" bench-deny)" "${redis_of[$w-redis]}"
  measure "$w|session on Redis" "${pid_of[$w-redis]}" "$r/api/me" "$(session "$r")" \
    "${redis_of[$w-redis]}"
  measure "$w|session on Redis, account cache off" "${pid_of[$w-redis-uncached]}" "$ru/api/me" \
    "$(session "$ru")" "${redis_of[$w-redis-uncached]}"
}

for round in $(seq 1 "$rounds"); do
  if ((round % 2)); then order="before after"; else order="after before"; fi
  echo "round $round of $rounds ($order)"
  for which in $order; do cases "$which"; done
done

echo
echo "median req/s of server CPU over $rounds rounds (after = $(git rev-parse --short HEAD), before = $(basename "$before_binary")):"
python3 - "$results" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    which, case, cpu = line.split("|")[:3]
    runs.setdefault(case, {}).setdefault(which, []).append(int(cpu))
for case, by in runs.items():
    before, after = statistics.median(by["before"]), statistics.median(by["after"])
    spread = lambda xs: f"{min(xs)}–{max(xs)}"
    print(f"  {case}: before {before:.0f} ({spread(by['before'])}), after {after:.0f} "
          f"({spread(by['after'])}), after/before {after / before:.3f}")
EOF
rss() { for k in sqlite uncached redis redis-uncached; do printf '%s %s MB; ' "$k" "$(peak_rss_mb "${pid_of[$1-$k]}")"; done; }
echo "peak RSS, before: $(rss before)"
echo "peak RSS, after:  $(rss after)"
echo "results: $results"
