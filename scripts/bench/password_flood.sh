#!/usr/bin/env bash
# Other learners' logins while one account floods the password change (issue 34's first attack):
# a server on a fresh database with the shipped limits (nothing raised), a class of learners behind
# one address, each signed in once before; then one account keeps 40 wrong password changes in
# flight (wrk, its bearer token, 40 connections, each sending the next the moment the last is
# answered) while every learner signs in every 6.5 seconds on their own browser (within the
# shipped per-name limit of 10 a minute, so a refusal is the flood's doing). Reports the
# learners' logins (how many succeeded, p50/p99), what the flood was answered, and the server's
# peak RSS. Nothing is asserted: the figures go in the note and the report.
#
# Usage: scripts/bench/password_flood.sh [BINARY] [LABEL]
#   BINARY: the authlab server to measure (default target/release/authlab); LABEL names the run.
#   FLOOD_SECS (default 30), LEARNERS (default 24), EVERY (seconds between one learner's logins,
#   default 6.5), FLOOD_CONNECTIONS (default 40; 0: no flood, the same logins on a quiet server).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
binary=${1:-target/release/authlab}
label=${2:-$(basename "$binary")}
secs=${FLOOD_SECS:-30}
learners=${LEARNERS:-24}
every=${EVERY:-6.5}
connections=${FLOOD_CONNECTIONS:-40}
source "$here/scripts/bench/lib.sh"

port=$(free_port)
: >"$work/none.toml"
# The shipped settings: no AUTHLAB_LIMITS_* here.
AUTHLAB_SETTINGS="$work/none.toml" AUTHLAB_LISTEN="127.0.0.1:$port" \
  AUTHLAB_DATABASE_URL="sqlite://$work/lab.db" AUTHLAB_LOG_LEVEL=warn \
  "$binary" >"$work/server.log" 2>&1 &
pid=$!
pids+=("$pid")
base="http://127.0.0.1:$port"
wait_up "$base/api/health"

password=class-password-123
for n in $(seq -f "%02g" 0 $((learners - 1))) flooder; do
  name="learner-$n"
  [ "$n" = flooder ] && name=flooder
  curl -fsS -o /dev/null -H 'content-type: application/json' \
    -d "{\"username\":\"$name\",\"password\":\"$password\"}" "$base/api/register"
done
token=$(curl -fsS -H 'content-type: application/json' \
  -d "{\"username\":\"flooder\",\"password\":\"$password\"}" "$base/api/jwt/login" |
  json_field access_token)

cat >"$work/flood.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"current_password":"not-the-password","new_password":"flooders-new-password"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init() counts = {} end
function response(status) counts[status] = (counts[status] or 0) + 1 end
function done()
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, string.format('"%d": %d', status, n)) end
  io.write("flood {" .. table.concat(parts, ", ") .. "}\n")
end
LUA

# The learners sign in once (their device cookies), then wait for the flood.
coproc LEARNERS_PROC { python3 "$here/scripts/bench/password_flood.py" "$base" "$pid" "$learners" "$((secs - 4))" "$every"; }
read -r ready <&"${LEARNERS_PROC[0]}"
[ "$ready" = ready ] || { echo "learners did not start: $ready" >&2; exit 1; }
if [ "$connections" -gt 0 ]; then
  wrk -t2 -c"$connections" -d"${secs}s" -s "$work/flood.lua" "$base/api/account/password" >"$work/flood" &
  flood=$!
  sleep 2
else
  flood=
  echo "flood {}" >"$work/flood"
fi
echo go >&"${LEARNERS_PROC[1]}"
read -r learners_json <&"${LEARNERS_PROC[0]}"
[ -n "$flood" ] && wait "$flood"
flood_counts=$(grep '^flood ' "$work/flood" | sed 's/^flood //')
flood_rate=$(awk '/^Requests\/sec/ {print $2}' "$work/flood")
echo "password-flood|$label|$learners_json|$flood_counts|$flood_rate"
