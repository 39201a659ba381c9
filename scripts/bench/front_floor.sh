#!/usr/bin/env bash
# The front end's floor: builds bench/front-floor (the smallest app on the lab's stack: Leptos
# hydration, the router, meta, one gloo-net JSON fetch) exactly as cargo-leptos builds the lab's
# WASM (the same size profile, wasm-bindgen, and wasm-opt with cargo-leptos' release flags), and
# writes its sizes as JSON to OUT. What the lab's first page weighs above this is the lab's own code.
# It also builds the same page as a Leptos island (bench/front-floor-islands), under "islands".
# Usage: scripts/bench/front_floor.sh OUT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/setup.sh"
cd "$ROOT"
out=$1
ensure_build_tools >&2
ensure_wasm_opt >&2

dir=$(mktemp -d /tmp/authlab-floor-XXXX)
trap 'rm -rf "$dir"' EXIT
sizes() { printf '{"raw": %d, "br": %d}' "$(stat -c %s "$1")" "$(brotli -q 11 -c "$1" | wc -c)"; }
# build CRATE_DIR NAME: the crate's WASM through wasm-bindgen and wasm-opt; prints its sizes as JSON.
build() {
  cargo build --manifest-path "$1/Cargo.toml" --lib --target wasm32-unknown-unknown \
    --profile wasm-release --target-dir target/front >&2
  wasm-bindgen --target web --no-typescript --out-dir "$dir" \
    "target/front/wasm32-unknown-unknown/wasm-release/$2.wasm"
  # cargo-leptos' own release flags (its compile/front.rs).
  "$ROOT/tools/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$dir/$2_bg.wasm" -o "$dir/$2.opt.wasm"
  printf '{"wasm": %s, "js": %s, "sections": %s}' "$(sizes "$dir/$2.opt.wasm")" \
    "$(sizes "$dir/$2.js")" "$(python3 "$here/wasm_sections.py" "$dir/$2.opt.wasm")"
}
floor=$(build bench/front-floor authlab_front_floor)
# The same page with only its button hydrating (Leptos islands): bench/front-floor-islands.
islands=$(build bench/front-floor-islands authlab_islands_floor)
# The hydration floor's fields at the top level (as report.py reads them), the islands one inside.
python3 -c 'import json, sys; f = json.loads(sys.argv[1]); f["islands"] = json.loads(sys.argv[2]); print(json.dumps(f))' \
  "$floor" "$islands" >"$out"
cat "$out" >&2
