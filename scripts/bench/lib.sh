# shellcheck shell=bash
# Shared by the benchmark scripts: free ports, starting and stopping what they measure (always
# stopped on exit, a failure included), CPU accounting from /proc, and wrk's report parsed.
work=$(mktemp -d /tmp/authlab-bench-XXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Any HTTP answer (a 401 included) means the server is up.
wait_up() {
  for _ in $(seq 1 150); do
    curl -sS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "server at $1 did not start" >&2
  return 1
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# cpu_ticks PID [PID2]: user + system clock ticks used so far by one process, or two together.
cpu_ticks() {
  local total
  total=$(awk '{print $14 + $15}' "/proc/$1/stat")
  [ -n "${2:-}" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$2/stat")))
  echo "$total"
}
tck=$(getconf CLK_TCK)

# record_wrk NAME REPORT T0 T1: prints "name|req/s of CPU|p50|p99|requests|req/s wall", and fails
# if any answer was not a 2xx (the case would not measure what it says).
# peak_rss_mb PID: the process's peak resident set so far (VmHWM), in MB.
peak_rss_mb() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

record_wrk() {
  local name=$1 report=$2 t0=$3 t1=$4
  if grep -q "Non-2xx" <<<"$report"; then
    echo "$name: $(awk '/Non-2xx/ {print $NF}' <<<"$report") answers were not 2xx" >&2
    return 1
  fi
  local requests p50 p99 wall
  requests=$(awk '/requests in/ {print $1}' <<<"$report")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$report")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
  wall=$(awk '/^Requests\/sec/ {print $2}' <<<"$report")
  python3 -c "print('$name|%d|$p50|$p99|$requests|%d' % (round($requests / max(($t1 - $t0) / $tck, 1e-9)), round($wall)))"
}

# start_authlab LABEL: the release build on a fresh database in the work dir, with the default
# settings but for the login limits (BENCH_DEFAULT_LIMITS=1 keeps those too); sets base and pid.
# Extra settings come from the caller's environment (AUTHLAB_*, every one of which the lab must know);
# BENCH_BINARY runs another build (an earlier commit's, for a before-and-after in one run).
start_authlab() {
  local label=$1 port
  port=$(free_port)
  mkdir -p "$work/$label"
  : >"$work/none.toml"
  # The login limits out of the way of a load generator that logs in from one address, unless
  # the case measures the defaults themselves (BENCH_DEFAULT_LIMITS=1: scripts/bench/class.sh).
  local limits=()
  if [ -z "${BENCH_DEFAULT_LIMITS:-}" ]; then
    limits=(
      AUTHLAB_LIMITS_LOGIN_PER_ADDRESS="${AUTHLAB_LIMITS_LOGIN_PER_ADDRESS:-100000/1m}"
      AUTHLAB_LIMITS_LOGIN_PER_NAME="${AUTHLAB_LIMITS_LOGIN_PER_NAME:-100000/1m}"
      AUTHLAB_LIMITS_LOGIN_PER_NAME_AND_DEVICE="${AUTHLAB_LIMITS_LOGIN_PER_NAME_AND_DEVICE:-100000/1m}"
    )
  fi
  env "${limits[@]}" AUTHLAB_SETTINGS="$work/none.toml" AUTHLAB_LISTEN="127.0.0.1:$port" \
    AUTHLAB_DATABASE_URL="sqlite://$work/$label/lab.db" LEPTOS_SITE_ROOT="$here/target/site" \
    "${BENCH_BINARY:-$here/target/release/authlab}" >"$work/$label/log" 2>&1 &
  pid=$!
  pids+=("$pid")
  base="http://127.0.0.1:$port"
  wait_up "$base/api/health"
}

# start_reference [REDIS_URL]: the bare reference (bench/reference) on a fresh SQLite file, with
# Redis paths when given a URL, logged in once; sets ref (its URL), ref_pid, ref_answer (its
# credentials, JSON: hs256, eddsa, es256, redis_session) and ref_cookie (its tower-sessions cookie).
# Its tokens outlive a bench run.
start_reference() {
  local port
  port=$(free_port)
  "$here/target/release/authlab-reference" "127.0.0.1:$port" "$work/reference.db" ${1:+"$1"} \
    >"$work/reference.log" 2>&1 &
  ref_pid=$!
  pids+=("$ref_pid")
  ref="http://127.0.0.1:$port"
  wait_up "$ref/health"
  ref_answer=$(curl -fsS -D "$work/reference.headers" -X POST "$ref/login")
  ref_cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(id=[^;]*\).*/\1/p' "$work/reference.headers")
}
# ref_bearer ALG (hs256, eddsa, es256): the reference's token, as a header.
ref_bearer() { echo "Authorization: Bearer $(json_field "$1" <<<"$ref_answer")"; }

# Accounts of the bench's own at $base, for bearer cases: the switches (algorithm, denylist)
# belong to the account and are read on every request.
bench_password=bench-password-1234
register() {
  curl -fsS -o /dev/null -X POST -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$bench_password\"}" "$base/api/register"
}
jwt_login_as() {
  curl -fsS -X POST -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$bench_password\"}" "$base/api/jwt/login" |
    json_field access_token
}
set_switch() {
  curl -fsS -o /dev/null -X PUT -H 'content-type: application/json' \
    -H "authorization: Bearer $1" -d "$2" "$base/api/lab-settings"
}
# account_with NAME SWITCHES: registers NAME and switches its settings; its tokens are signed the
# new way from then on.
account_with() {
  register "$1"
  set_switch "$(jwt_login_as "$1")" "$2"
}

# bob's session cookie (`name=value`) from a session login at $base.
login_body='{"username":"bob","password":"bob-builds-it"}'
session_login() {
  curl -fsS -D - -o /dev/null -X POST -H 'content-type: application/json' \
    -d "$login_body" "$base/api/session/login" |
    sed -n 's/^[Ss]et-[Cc]ookie: \(__Host-authlab_session=[^;]*\).*/\1/p'
}

# start_redis: a redis-server of its own on a free port, nothing saved; sets redis_port, redis_pid.
start_redis() {
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    >"$work/redis-$redis_port.log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 1 50); do
    redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  echo "redis-server did not start" >&2
  return 1
}
