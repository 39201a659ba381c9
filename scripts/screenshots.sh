#!/usr/bin/env bash
# Regenerate the README's screenshots (docs/screenshots/*.png) from a real run: build the lab,
# start it on a throwaway database, drive Debian's Chromium through each main page after its
# experiment has run, and save what it shows. Run it whenever the UI changes.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$ROOT"

ensure_build_tools
ensure_chromium
ensure_end2end_packages
ensure_wasm_opt

say "building the lab"
cargo leptos build --release --precompress --split
say "taking the screenshots"
(cd end2end && npx playwright test --config screenshots.config.ts)
say "screenshots written to docs/screenshots/"
ls -l docs/screenshots
