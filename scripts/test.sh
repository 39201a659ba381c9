#!/usr/bin/env bash
# Run every check and test: formatting, clippy for both targets, unit + integration tests, and the
# Playwright end-to-end suite in Debian's Chromium. Installs whatever is missing first.
# Exits non-zero on the first failure.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$ROOT"

# A one-shot CI build gains nothing from incremental caches, which roughly double target/'s size;
# a CI run on record failed with "No space left on device" while compiling the crate.
if [[ "${CI:-}" == true ]]; then
  export CARGO_INCREMENTAL=0
  say "disk before the build: $(df -h . | tail -1)"
fi

ensure_build_tools
ensure_chromium
ensure_redis
ensure_end2end_packages
ensure_python_jose
# wasm-opt: the release build of the bundle runs it.
ensure_wasm_opt

step() {
  say "== $*"
  local started=$SECONDS
  "$@"
  say "   done in $((SECONDS - started)) s: $*"
}

step cargo fmt --check
step scripts/check-readme-paths.sh
step cargo clippy --features ssr --all-targets -- -D warnings
step cargo clippy --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings
step cargo test --features ssr
# The browser tests run what a visitor gets: the release build, with content-hashed file names
# and their brotli/gzip copies (scripts/run.sh builds the same way).
step cargo leptos build --release --precompress --split
(cd end2end && step npx playwright test)
say "all checks and tests passed"
