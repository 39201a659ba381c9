#!/usr/bin/env bash
# The front end's floor: builds bench/front-floor (the smallest app on the lab's stack: Leptos
# hydration, the router, meta, one gloo-net JSON fetch) exactly as cargo-leptos builds the lab's
# WASM (the same size profile, wasm-bindgen, and wasm-opt with cargo-leptos' release flags), and
# writes its sizes as JSON to OUT. What the lab's first page weighs above this is the lab's own code.
# Usage: scripts/bench/front_floor.sh OUT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/setup.sh"
cd "$ROOT"
out=$1
ensure_build_tools >&2
ensure_wasm_opt >&2

cargo build --manifest-path bench/front-floor/Cargo.toml --lib --target wasm32-unknown-unknown \
  --profile wasm-release --target-dir target/front >&2
dir=$(mktemp -d /tmp/authlab-floor-XXXX)
trap 'rm -rf "$dir"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$dir" \
  target/front/wasm32-unknown-unknown/wasm-release/authlab_front_floor.wasm
# cargo-leptos' own release flags (its compile/front.rs).
"$ROOT/tools/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$dir/authlab_front_floor_bg.wasm" -o "$dir/floor.wasm"
sizes() { printf '{"raw": %d, "br": %d}' "$(stat -c %s "$1")" "$(brotli -q 11 -c "$1" | wc -c)"; }
printf '{"wasm": %s, "js": %s, "sections": %s}\n' "$(sizes "$dir/floor.wasm")" \
  "$(sizes "$dir/authlab_front_floor.js")" "$(python3 "$here/wasm_sections.py" "$dir/floor.wasm")" >"$out"
cat "$out" >&2
