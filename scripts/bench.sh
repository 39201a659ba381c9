#!/usr/bin/env bash
# Every measurement the lab reports, in one run, written to bench/REPORT.md (committed):
#   - load: what one authenticated request costs the release server per auth path, next to a bare
#     reference doing the same check and nothing else (scripts/bench/load.sh);
#   - profile: bearer HS256 and a session on Redis split into parts, by perf, in authlab and in
#     the reference (scripts/bench/profile.sh);
#   - login stall: /api/me latency while logins saturate the argon2 pool (scripts/bench/stall.sh);
#   - micro: criterion, the checks alone (benches/auth_cost.rs);
#   - front end: the bundle's bytes raw/gzip/brotli, and per page the bytes over the wire and the
#     time to an interactive page in Chromium (end2end/bench/frontend.bench.ts), and the stack's
#     floor: the smallest app on the same stack, built the same way (scripts/bench/front_floor.sh).
# Installs whatever is missing first (as the README's two commands do), builds release, then
# measures. About 20 minutes on 2 cores after the build. Nothing here asserts a number: targets
# are compared in the report, not in tests.
#
# Usage: scripts/bench.sh [--skip-build] [--out FILE]
#   BENCH_ROUNDS (default 3) rounds of every load case, BENCH_SECS (default 5) seconds per case and
#   round; BENCH_TTI_RUNS (default 7) loads per page.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
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

ensure_build_tools
ensure_wasm_opt
ensure_chromium
ensure_redis
ensure_end2end_packages
ensure_debian_tools wrk brotli
# perf: where a request's microseconds go (scripts/bench/profile.sh).
if ! command -v perf >/dev/null; then
  say "installing Debian's linux-perf"
  apt_install linux-perf
fi
# twiggy: where the WASM's bytes go (about a minute to install).
if ! command -v twiggy >/dev/null; then
  say "installing twiggy"
  cargo install twiggy --locked
fi

if $build; then
  say "building the release lab (bundle hashed and precompressed) and the bare reference"
  cargo leptos build --release --precompress --split
  cargo build --release --manifest-path bench/reference/Cargo.toml --target-dir target
elif [ ! -x target/release/authlab-reference ]; then
  # --skip-build reuses the lab the test command built; the reference is the bench's own.
  say "building the bare reference (the lab's release build is reused)"
  cargo build --release --manifest-path bench/reference/Cargo.toml --target-dir target
fi

results=$(mktemp -d /tmp/authlab-report-XXXX)
trap 'rm -rf "$results"' EXIT
# What is measured is what is checked out now (the report says if it differs from the commit).
git rev-parse --short HEAD >"$results/commit"
# The report itself (bench/REPORT.md, written by an earlier run) is not what is measured.
git status --porcelain --untracked-files=no -- . ':!bench/REPORT.md' >"$results/dirty"
started=$SECONDS

# Each part runs even if one before it failed; the report names any that did.
failed=()
part() {
  local name=$1
  shift
  say "$name"
  "$@" || failed+=("$name")
}
part "load: every auth path next to its bare reference" scripts/bench/load.sh "$results/load.txt"
part "profile: where a request's microseconds go, bearer HS256 and a session on Redis (perf)" \
  scripts/bench/profile.sh "$results/parts.json"
part "login stall: /api/me while logins saturate the argon2 pool" \
  scripts/bench/stall.sh "$results/load.txt"
rm -rf target/criterion
part "micro: criterion" cargo bench --features ssr --bench auth_cost -- --noplot
# The suite's Playwright set-up, which runs the release build (end2end/playwright.config.ts).
frontend() {
  (cd end2end && BENCH_OUT="$results/frontend.json" npx playwright test --config bench.config.ts)
}
part "front end: bytes per page and time to interactive (Chromium)" frontend
# The release WASM before wasm-bindgen strips its names: the same code, with a name per function.
# `monos` groups the copies the compiler made of each generic function, one per type.
wasm_bytes() {
  twiggy monos -m 12 -n 0 target/front/wasm32-unknown-unknown/wasm-release/authlab.wasm \
    >"$results/twiggy.txt"
}
part "front end: where the WASM's bytes go (twiggy)" wasm_bytes
part "front end: the stack's floor (the smallest app on Leptos, built the same way)" \
  scripts/bench/front_floor.sh "$results/floor.json"

touch "$results/load.txt"
python3 scripts/bench/report.py "$results" "$out" "$((SECONDS - started))" "${failed[*]:-}"
say "wrote $out"
if [ ${#failed[@]} -gt 0 ]; then
  say "these parts failed (their figures are missing from the report): ${failed[*]}"
  exit 1
fi
