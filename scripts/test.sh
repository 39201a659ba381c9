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

step() {
  say "== $*"
  local started=$SECONDS
  "$@"
  say "   done in $((SECONDS - started)) s: $*"
}

step cargo fmt --check
step cargo clippy --features ssr --all-targets -- -D warnings
step cargo clippy --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings
step cargo test --features ssr
# Builds the WASM bundle and the server binary the browser tests run (debug: quicker to build).
# It must come after `cargo test`: a server binary built outside cargo-leptos links a differently
# named WASM file, and `cargo test` rebuilds target/debug/authlab that way.
step cargo leptos build
(cd end2end && step npx playwright test)
say "all checks and tests passed"
