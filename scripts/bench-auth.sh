#!/usr/bin/env bash
# What one authenticated `GET /api/me` costs the server, per auth path, against the bare reference
# (bench/reference: axum + jsonwebtoken + tower-sessions, nothing else), measured side by side in
# one run. The figure is requests per second of *server CPU* (requests answered / CPU seconds the
# server process used, from /proc), so the load generator's own share of the 2 cores does not
# count; p99 is wrk's. Release builds, loopback, one wrk thread.
#
# Usage: scripts/bench-auth.sh [--before OLD_AUTHLAB_BINARY] [--out FILE]
#   --before   also measure an older authlab binary (built from an earlier commit) in the same run
#   BENCH_SECS (default 10) seconds per case, BENCH_CONNS (default 16) connections.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
before=""
out="bench/AUTH-PATHS.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --before) before=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
secs=${BENCH_SECS:-10}
conns=${BENCH_CONNS:-16}

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)"
  apt-get install -y wrk >/dev/null
fi
cargo build --release --features ssr --bin authlab
cargo build --release --manifest-path bench/reference/Cargo.toml --target-dir target

work=$(mktemp -d /tmp/authlab-bench-XXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Any HTTP answer (a 401 included) means the server is up.
wait_up() {
  for _ in $(seq 1 100); do
    curl -sS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "server at $1 did not start" >&2
  return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)

# measure NAME PID URL [HEADER [ALSO_PID]]: one wrk run (ALSO_PID's CPU counts too: the store
# process the server calls); appends "NAME|req/s of server CPU|p99|requests".
results="$work/results"
: >"$results"
measure() {
  local name=$1 pid=$2 url=$3 header=${4:-} also=${5:-}
  local args=(-t1 -c"$conns" -d"${secs}s" --latency)
  [ -n "$header" ] && args+=(-H "$header")
  # A short warm-up, so every case starts with warm caches and open pools.
  wrk -t1 -c"$conns" -d2s ${header:+-H "$header"} "$url" >/dev/null
  local t0 t1 report requests p99 non2xx
  t0=$(cpu_ticks "$pid")
  [ -n "$also" ] && t0=$((t0 + $(cpu_ticks "$also")))
  report=$(wrk "${args[@]}" "$url")
  t1=$(cpu_ticks "$pid")
  [ -n "$also" ] && t1=$((t1 + $(cpu_ticks "$also")))
  requests=$(awk '/requests in/ {print $1}' <<<"$report")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$report")
  if [ -n "$non2xx" ]; then
    echo "$name: $non2xx answers were not 2xx; the case is not measuring what it says" >&2
    exit 1
  fi
  local per_cpu
  per_cpu=$(python3 -c "print(round($requests / (($t1 - $t0) / $tck)))")
  echo "$name|$per_cpu|$p99|$requests" >>"$results"
  echo "$name: $per_cpu req/s of server CPU, p99 $p99 ($requests requests)"
}

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# start_authlab LABEL BINARY: starts it on a fresh database; sets base and pid.
start_authlab() {
  local label=$1 binary=$2 port
  port=$(free_port)
  mkdir -p "$work/$label"
  AUTHLAB_SETTINGS="$work/none.toml" AUTHLAB_LISTEN="127.0.0.1:$port" \
    AUTHLAB_DATABASE_URL="sqlite://$work/$label/lab.db" LEPTOS_SITE_ROOT="$here/target/site" \
    "$binary" >"$work/$label/log" 2>&1 &
  pid=$!
  pids+=("$pid")
  base="http://127.0.0.1:$port"
  wait_up "$base/api/health"
}

login_body='{"username":"bob","password":"bob-builds-it"}'
jwt_login() {
  curl -fsS -X POST -H 'content-type: application/json' -d "$login_body" "$base/api/jwt/login" |
    json_field access_token
}
set_switch() {
  curl -fsS -o /dev/null -X PUT -H 'content-type: application/json' \
    -H "authorization: Bearer $1" -d "$2" "$base/api/lab-settings"
}

bench_authlab() {
  local label=$1 binary=$2
  touch "$work/none.toml"
  start_authlab "$label" "$binary"
  local session token
  session=$(curl -fsS -D - -o /dev/null -X POST -H 'content-type: application/json' \
    -d "$login_body" "$base/api/session/login" |
    sed -n 's/^[Ss]et-[Cc]ookie: \(__Host-authlab_session=[^;]*\).*/\1/p')
  measure "$label: session on SQLite" "$pid" "$base/api/me" "Cookie: $session"
  token=$(jwt_login)
  measure "$label: bearer EdDSA" "$pid" "$base/api/me" "Authorization: Bearer $token"
  set_switch "$token" '{"jwt_alg":"HS256"}'
  token=$(jwt_login)
  measure "$label: bearer HS256" "$pid" "$base/api/me" "Authorization: Bearer $token"
  set_switch "$token" '{"denylist":true}'
  token=$(jwt_login)
  measure "$label: bearer HS256 + denylist on SQLite" "$pid" "$base/api/me" \
    "Authorization: Bearer $token"
  kill "$pid"
}

# The same binary with sessions and the denylist on a real Redis (a redis-server of its own,
# whose CPU is counted with authlab's).
bench_authlab_redis() {
  local label=$1 binary=$2 rport
  rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
  local redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 1 50); do
    python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1', $rport)); s.sendall(b'PING\r\n'); sys.exit(0 if s.recv(7) == b'+PONG\r\n' else 1)" 2>/dev/null && break
    sleep 0.1
  done
  touch "$work/none.toml"
  AUTHLAB_STORE_URL="redis://127.0.0.1:$rport" start_authlab "$label" "$binary"
  local session token
  session=$(curl -fsS -D - -o /dev/null -X POST -H 'content-type: application/json' \
    -d "$login_body" "$base/api/session/login" |
    sed -n 's/^[Ss]et-[Cc]ookie: \(__Host-authlab_session=[^;]*\).*/\1/p')
  measure "authlab: session on Redis" "$pid" "$base/api/me" "Cookie: $session" "$redis_pid"
  token=$(jwt_login)
  set_switch "$token" '{"jwt_alg":"HS256","denylist":true}'
  token=$(jwt_login)
  measure "authlab: bearer HS256 + denylist on Redis" "$pid" "$base/api/me" \
    "Authorization: Bearer $token" "$redis_pid"
  kill "$pid"
}

bench_reference() {
  local port
  port=$(free_port)
  "$here/target/release/authlab-reference" "127.0.0.1:$port" "$work/reference.db" \
    >"$work/reference.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  base="http://127.0.0.1:$port"
  wait_up "$base/me/hs256"
  local answer hs eddsa cookie
  answer=$(curl -fsS -D "$work/reference.headers" -X POST "$base/login")
  hs=$(json_field hs256 <<<"$answer")
  eddsa=$(json_field eddsa <<<"$answer")
  cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(id=[^;]*\).*/\1/p' "$work/reference.headers")
  measure "reference: session on SQLite (tower-sessions)" "$pid" "$base/me/session" "Cookie: $cookie"
  measure "reference: bearer EdDSA" "$pid" "$base/me/eddsa" "Authorization: Bearer $eddsa"
  measure "reference: bearer HS256" "$pid" "$base/me/hs256" "Authorization: Bearer $hs"
  measure "reference: bearer HS256 + one SQLite lookup" "$pid" "$base/me/hs256-sqlite" \
    "Authorization: Bearer $hs"
  kill "$pid"
}

bench_reference
bench_authlab authlab "$here/target/release/authlab"
bench_authlab_redis authlab-redis "$here/target/release/authlab"
if [ -n "$before" ]; then
  bench_authlab before "$before"
fi

python3 - "$results" "$out" "$secs" "$conns" "$(git rev-parse --short HEAD)" "$before" <<'PY'
import sys, datetime, platform, os
results, out, secs, conns, commit, before = sys.argv[1:7]
rows = [line.strip().split("|") for line in open(results) if line.strip()]
by = {name: (int(rate), p99, int(n)) for name, rate, p99, n in rows}
cases = [
    ("bearer HS256", "reference: bearer HS256"),
    ("bearer EdDSA", "reference: bearer EdDSA"),
    ("session on SQLite", "reference: session on SQLite (tower-sessions)"),
    ("bearer HS256 + denylist on SQLite", "reference: bearer HS256 + one SQLite lookup"),
]
cpu = open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(" :\t")
lines = [
    "# Auth paths: what `GET /api/me` costs the server",
    "",
    f"Written by `scripts/bench-auth.sh` on {datetime.date.today()} at commit {commit}, "
    f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}. Release builds, loopback, "
    f"wrk with 1 thread and {conns} connections for {secs} s per case after a 2 s warm-up.",
    "",
    "*Requests per second of server CPU* = requests answered / CPU seconds the server process "
    "used during the run (higher is cheaper). The ratio is the reference's figure over "
    "authlab's: how many times the reference's CPU cost one request costs in authlab "
    "(1.0 = the same; the target is at most 1.3).",
    "",
    "| path | authlab req/s of CPU | p99 | reference req/s of CPU | p99 | cost ratio |"
    + (" before req/s of CPU | p99 |" if before else ""),
    "|---|---:|---:|---:|---:|---:|" + ("---:|---:|" if before else ""),
]
for case, ref in cases:
    a = by.get(f"authlab: {case}")
    r = by.get(ref)
    if not a or not r:
        continue
    row = f"| {case} | {a[0]:,} | {a[1]} | {r[0]:,} | {r[1]} | {r[0] / a[0]:.2f}× |"
    if before:
        b = by.get(f"before: {case}")
        row += f" {b[0]:,} | {b[1]} |" if b else " | |"
    lines.append(row)
# The Redis cases: no bare reference yet (the performance issue adds "verify plus one Redis GET").
for case in ["session on Redis", "bearer HS256 + denylist on Redis"]:
    a = by.get(f"authlab: {case}")
    if a:
        lines.append(f"| {case} | {a[0]:,} | {a[1]} | — | — | — |" + (" | |" if before else ""))
sqlite, redis = by.get("authlab: session on SQLite"), by.get("authlab: session on Redis")
if sqlite and redis:
    ratio = sqlite[0] / redis[0]
    lines += ["", f"Per session check, in this run: on Redis {redis[0]:,} requests per CPU second, "
              f"on SQLite {sqlite[0]:,}, so Redis costs {ratio:.2f}× what SQLite costs. The Redis "
              "figures count the CPU of authlab *and* of redis-server: the lookup's work moved to "
              "another process, it did not disappear."]
lines += [
    "",
    "The references (bench/reference): `/me/hs256` and `/me/eddsa` verify a JWT with "
    "jsonwebtoken (algorithm pinned, exp/iss/aud/sub required); `/me/hs256-sqlite` adds one "
    "indexed SQLite lookup; `/me/session` reads a tower-sessions session from its SQLite store "
    "(WAL). Both servers log one line per request at info, with the system allocator.",
]
if before:
    lines += ["", f"*before*: the binary given with `--before` ({before}), measured in the same run."]
open(out, "w").write("\n".join(lines) + "\n")
print(f"wrote {out}")
PY
