#!/usr/bin/env bash
# Build the release bundle and report the size of what a browser downloads: the WASM, its JS glue
# and the stylesheet, raw, gzip -9 and brotli -q 11 (what a compressing server or CDN would send).
# Usage: scripts/measure-bundle.sh [--no-build]
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$ROOT"

if [ "${1:-}" != "--no-build" ]; then
  {
    ensure_build_tools
    ensure_wasm_opt
    cargo leptos build --release --precompress --split
  } >&2
fi
ensure_debian_tools brotli >&2

pkg=target/site/pkg
printf '%-40s %10s %10s %10s\n' file raw gzip-9 brotli-11
total_raw=0 total_gz=0 total_br=0
# The bundle's names carry a content hash (authlab.<hash>.wasm); the .br/.gz beside each are what
# the server sends, measured here again at the highest levels for comparison. The split build's
# files follow the main three: its loader (__wasm_split.*.js), the split-out pages (split___*), the
# playground's JWT half (split_jwt_mode_*) and the chunks they share (chunk_*).
for path in "$pkg"/authlab*.wasm "$pkg"/authlab*.js "$pkg"/authlab*.css "$pkg"/__wasm_split*.js \
  "$pkg"/__wasm_split_manifest*.json "$pkg"/split_*.wasm "$pkg"/chunk_*.wasm; do
  [ -f "$path" ] || continue
  file=$(basename "$path")
  raw=$(stat -c %s "$pkg/$file")
  gz=$(gzip -9 -c "$pkg/$file" | wc -c)
  br=$(brotli -q 11 -c "$pkg/$file" | wc -c)
  printf '%-40s %10d %10d %10d\n' "$file" "$raw" "$gz" "$br"
  total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
done
printf '%-40s %10d %10d %10d\n' total "$total_raw" "$total_gz" "$total_br"
