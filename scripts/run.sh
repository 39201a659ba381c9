#!/usr/bin/env bash
# Start the lab at http://127.0.0.1:3000 on the SQLite default (data/authlab.db), installing any
# missing build tool first. Ctrl-C stops it. Settings: Leptos.toml and AUTHLAB_* variables.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$ROOT"

ensure_build_tools
ensure_wasm_opt
ensure_redis

say "building (release) and starting the lab; it is ready when it logs 'listening on'"
# --precompress: the bundle is also written brotli- and gzip-compressed, and served that way.
exec cargo leptos serve --release --precompress --split
