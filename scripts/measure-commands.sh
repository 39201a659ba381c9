#!/usr/bin/env bash
# Time the README's two commands, cold and warm, in a fresh clone of this repository:
#   cold = new clone, empty target/ and node_modules/ (the machine's tools already installed);
#   warm = the same commands again in that clone, nothing changed.
# For the run command the time is until the lab answers http://127.0.0.1:3000/api/health.
# A tool install that a brand-new machine would add (cargo-leptos ~16 min, wasm-bindgen-cli ~2 min)
# is not part of "cold" here; setup prints those steps when it runs them.
# Usage: scripts/measure-commands.sh [clone-dir]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
clone=${1:-$(mktemp -d /tmp/authlab-measure-XXXX)/authlab}
rm -rf "$clone"
git clone --quiet "$here" "$clone"
cd "$clone"
log=$clone/../measure.log
: >"$log"

time_test() {
  local started=$SECONDS
  ./scripts/test.sh >>"$log" 2>&1
  echo $((SECONDS - started))
}

time_run() {
  local started=$SECONDS
  setsid ./scripts/run.sh >>"$log" 2>&1 &
  local pid=$!
  until curl -fsS http://127.0.0.1:3000/api/health >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "run command exited early; see $log" >&2; return 1; fi
    sleep 1
  done
  local took=$((SECONDS - started))
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$took"
}

if curl -fsS http://127.0.0.1:3000/api/health >/dev/null 2>&1; then
  echo "something already answers on 127.0.0.1:3000; stop it first" >&2
  exit 1
fi
test_cold=$(time_test)
test_warm=$(time_test)
run_cold=$(time_run)
run_warm=$(time_run)
printf '%-28s %8s %8s\n' command cold warm
printf '%-28s %7ss %7ss\n' "./scripts/test.sh" "$test_cold" "$test_warm"
printf '%-28s %7ss %7ss\n' "./scripts/run.sh (to ready)" "$run_cold" "$run_warm"
echo "clone: $clone   log: $log"
