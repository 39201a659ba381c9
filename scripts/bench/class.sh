#!/usr/bin/env bash
# A class's capacity: one release-built server with its default settings, one teacher with the
# class's grid open throughout, and N learners as real HTTP clients (one process, many concurrent
# clients: examples/class_day.rs), all from one address as a class behind a NAT is. Each learner
# does a lesson day's work (register with the class code, log in both ways, keep the live stream
# open, run a lesson experiment, send workbench tokens, ask for a hint, solve a challenge, refresh).
# For each N it reports requests per second, the learners' latencies outside logins and
# registrations, the logins' and registrations' waits, the argon2 hashes the day needed, 429s and
# 5xx, the teacher grid's lag behind each solve, and the server's peak RSS, and writes the table
# into bench/REPORT.md (between the class markers). Nothing here asserts a number.
#
# Usage: scripts/bench/class.sh [--skip-build] [--out FILE]
#   CLASS_SIZES (default "10 30 60 120"), CLASS_SECS (default 60) seconds of work per size.
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"
cd "$ROOT"
build=true
out=bench/REPORT.md
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-build) build=false; shift ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
sizes=${CLASS_SIZES:-10 30 60 120}
secs=${CLASS_SECS:-60}

ensure_build_tools
if $build || [ ! -x target/release/authlab ]; then
  say "building the release lab"
  cargo leptos build --release --precompress --split
fi
say "building the class's load generator (examples/class_day.rs)"
cargo build --release --no-default-features --features ssr --example class_day

here=$ROOT
source "$ROOT/scripts/bench/lib.sh"
results=$work/class.jsonl
teacher_password="class-bench-teacher-password"

for n in $sizes; do
  # The default settings, limits included, and one teacher the settings name.
  BENCH_DEFAULT_LIMITS=1 AUTHLAB_TEACHERS="bench-teacher=$teacher_password" \
    start_authlab "class-$n"
  server=$pid
  token=$(curl -sS -X POST -H 'content-type: application/json' \
    -d "{\"username\":\"bench-teacher\",\"password\":\"$teacher_password\"}" \
    "$base/api/jwt/login" | json_field access_token)
  class=$(curl -sS -X POST -H 'content-type: application/json' -H "authorization: Bearer $token" \
    -d "{\"name\":\"Class of $n\",\"ends_at\":$(($(date +%s) + 86400)),\"switches\":{\"hints\":true,\"solutions\":true,\"scale_lab\":false,\"expire_accounts\":false}}" \
    "$base/api/classes")
  class_id=$(json_field id <<<"$class")
  code=$(json_field code <<<"$class")
  # The teacher's token must outlive the run: a fresh one is signed in by the load generator's
  # grid loop only once, so keep the default lifetime (120 s) above CLASS_SECS + a margin, or
  # the grid's errors are counted.
  say "class of $n: $secs s of work"
  report=$(target/release/examples/class_day "$base" "$n" "$secs" "$token" "$class_id" "$code")
  rss=$(peak_rss_mb "$server")
  python3 -c "import json,sys; r=json.loads(sys.argv[1]); r['peak_rss_mb']=int(sys.argv[2]); print(json.dumps(r))" \
    "$report" "$rss" >>"$results"
  tail -1 "$results"
  stop "$server"
done

python3 - "$results" "$out" "$secs" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
out, secs = sys.argv[2], sys.argv[3]
def count(statuses, pred):
    return sum(n for s, n in statuses.items() if pred(int(s)))
lines = [
    "<!-- class.sh: written by scripts/bench/class.sh; rerun it to refresh -->",
    "## A class at work (scripts/bench/class.sh)",
    "",
    f"One release server with its default settings on this 2-core machine; one teacher with the "
    f"grid open; N learners as real HTTP clients from one address, each doing {secs} s of a lesson "
    "day's work with 1-3 s between actions (examples/class_day.rs). \"Other\" is every learner "
    "request but logins and registrations (and not the held-open live stream and grid wait). "
    "Hashes: argon2 runs the day needed (registrations and logins, 6 per learner: register, "
    "two logins, a lesson account registered and signed in, a login after the replay's logout). "
    "A 503 from the hash queue is retried after its Retry-After, as the page does. The 401s are "
    "the workbench's altered tokens, refused as they must be. req/s over the class's working "
    "time (from the start to the last learner's last answer). Grid lag: from the solving "
    "request's answer to the teacher's grid showing it.",
    "",
    "| learners | req/s | other p50 / p95 / p99 ms | login+register p50 / p95 / max ms | hashes | 401 | 429 | 503 (retried) | other 5xx | grid lag p50 / max ms (solves) | peak RSS MB |",
    "|---:|---:|---|---|---:|---:|---:|---:|---:|---|---:|",
]
for r in rows:
    st = r["statuses"]
    o, h, g = r["other"], r["hashed"], r["grid_lag"]
    lines.append(
        f"| {r['learners']} | {r['requests_per_sec']:.0f} "
        f"| {o['p50_ms']:.0f} / {o['p95_ms']:.0f} / {o['p99_ms']:.0f} "
        f"| {h['p50_ms']:.0f} / {h['p95_ms']:.0f} / {h['max_ms']:.0f} "
        f"| {r['hashes']} | {count(st, lambda s: s == 401)} | {count(st, lambda s: s == 429)} | {r['retried_503']} "
        f"| {count(st, lambda s: s >= 500 and s != 503)} "
        f"| {g['p50_ms']:.0f} / {g['max_ms']:.0f} ({r['solves']}, {r['solves_never_seen']} unseen) "
        f"| {r['peak_rss_mb']} |"
    )
lines.append("<!-- /class.sh -->")
section = "\n".join(lines) + "\n"
try:
    text = open(out).read()
except FileNotFoundError:
    text = ""
start, end = text.find("<!-- class.sh"), text.find("<!-- /class.sh -->")
if start >= 0 and end >= 0:
    text = text[:start] + section + text[end + len("<!-- /class.sh -->\n"):]
else:
    text = text.rstrip("\n") + "\n\n" + section
open(out, "w").write(text)
print(section)
EOF
