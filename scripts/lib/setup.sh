# shellcheck shell=bash
# Idempotent installers for what the lab needs. Sourced by scripts/run.sh, scripts/test.sh and the
# measuring scripts; each function installs its tool only when it is missing or at the wrong version.
# Versions and the reasons for each choice: see README ("What the scripts install").

CARGO_LEPTOS_VERSION=0.3.10
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PATH="$HOME/.cargo/bin:$ROOT/tools/node_modules/.bin:$PATH"

say() { printf '\033[1;34m[authlab]\033[0m %s\n' "$*"; }

# Run a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "wasm32-unknown-unknown target: present"
  else
    say "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$"; then
    say "cargo-leptos $CARGO_LEPTOS_VERSION: present"
  else
    # 0.3.11 needs a newer rustc than this machine's; --locked keeps its own dependencies as tested.
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 16 minutes on 2 cores, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
}

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly, or the generated JS
# glue does not fit the WASM. cargo-leptos would try to download it, which fails here.
ensure_wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock")
  if [ -z "$want" ]; then
    echo "cannot find wasm-bindgen in Cargo.lock" >&2
    return 1
  fi
  if wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
    say "wasm-bindgen-cli $want: present"
  else
    # Not --locked: its lockfile names a crate version the registry here does not have.
    say "installing wasm-bindgen-cli $want (about 2 minutes, once)"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

# Everything `cargo leptos build` needs.
ensure_build_tools() {
  ensure_wasm_target
  ensure_cargo_leptos
  ensure_wasm_bindgen
}

# wasm-opt (for --release builds) comes from npm's binaryen: Debian's is too old for this WASM.
ensure_wasm_opt() {
  npm_install "$ROOT/tools" binaryen
}

# apt_install PACKAGE...: Debian's packages, installed without questions.
apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# ensure_debian_tools TOOL...: each command that is missing, from Debian's package of that name
# (the measuring scripts' wrk, brotli, heaptrack).
ensure_debian_tools() {
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      say "installing Debian's $tool"
      apt_install "$tool"
    fi
  done
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    say "chromium: present ($(/usr/bin/chromium --version 2>/dev/null))"
  else
    say "installing Debian's chromium (Playwright cannot download its own browser here)"
    apt_install chromium
  fi
}

# Debian's redis-server: the shared store for the scale-out lab (several server processes, one
# store). Installed now so both commands leave a machine ready for it.
ensure_redis() {
  if command -v redis-server >/dev/null 2>&1; then
    say "redis-server: present ($(redis-server --version | awk '{print $3}'))"
  else
    say "installing Debian's redis-server"
    apt_install redis-server
  fi
}

# joserfc, an independent JOSE implementation the DPoP interop test holds the lab's proofs to
# (tests/interop/dpop.py), pinned in tests/interop/requirements.txt, into tools/python (never the
# system's site-packages).
ensure_python_jose() {
  local target="$ROOT/tools/python" pins="$ROOT/tests/interop/requirements.txt"
  if [ -d "$target/joserfc" ] && cmp -s "$pins" "$target/.authlab-pins"; then
    say "joserfc (DPoP interop): present"
    return
  fi
  if ! python3 -m pip --version >/dev/null 2>&1; then
    say "installing Debian's python3-pip"
    apt_install python3-pip
  fi
  say "installing joserfc into tools/python"
  rm -rf "$target"
  # --target keeps it out of the system's packages; the variable lets Debian's pip install
  # there (older pips ignore it).
  PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    --no-warn-script-location --target "$target" -r "$pins"
  cp "$pins" "$target/.authlab-pins"
}

ensure_end2end_packages() {
  npm_install "$ROOT/end2end" @playwright/test
}

# npm ci in $1 unless node_modules already holds exactly what package-lock.json pins.
npm_install() {
  local dir=$1 probe=$2
  if [ -d "$dir/node_modules/$probe" ] && cmp -s "$dir/package-lock.json" "$dir/node_modules/.authlab-lock"; then
    say "npm packages in ${dir#"$ROOT"/}: present"
  else
    say "installing npm packages in ${dir#"$ROOT"/}"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$dir/node_modules/.authlab-lock"
  fi
}
