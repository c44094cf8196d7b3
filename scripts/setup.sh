#!/usr/bin/env bash
# Installs everything `make test`, `make demo` and `make bench` need on a fresh machine of this kind.
# Every step checks first and skips itself when the tool is already there at the right version,
# so a warm machine pays only for the checks. Usage: scripts/setup.sh [all|rust|browser|node]
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)
WASM_PACK_VERSION=0.15.1
# The nightly Rust that builds the package's wasm (scripts/build-pkg.sh says why).
. scripts/pkg-toolchain.sh
what=${1:-all}
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '[setup] %s\n' "$*"; }

setup_rust() {
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    step "wasm32-unknown-unknown target: present"
  else
    step "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if pkg_toolchain_ready; then
    step "$PKG_TOOLCHAIN with rust-src (builds the package's wasm): present"
  else
    step "installing $PKG_TOOLCHAIN with rust-src (builds the package's wasm)"
    rustup toolchain install "$PKG_TOOLCHAIN" --profile minimal --component rust-src
  fi
  if [ -z "$WASM_BINDGEN_VERSION" ]; then
    echo "[setup] could not read the pinned wasm-bindgen version from Cargo.toml" >&2
    exit 1
  fi
  if wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION"; then
    step "wasm-bindgen-cli $WASM_BINDGEN_VERSION: present"
  else
    step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (several minutes on a cold machine)"
    # No --locked: its lock file names a crate version this registry mirror lacks.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  if wasm-pack --version 2>/dev/null | grep -qx "wasm-pack $WASM_PACK_VERSION"; then
    step "wasm-pack $WASM_PACK_VERSION: present"
  else
    step "installing wasm-pack $WASM_PACK_VERSION (several minutes on a cold machine)"
    cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --force
  fi
}

setup_browser() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    step "chromium + chromedriver: present"
  else
    step "installing Debian chromium + chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

setup_node() {
  # npm tools (reference libraries for vectors and interop, packaging checkers, bundlers) live in
  # tools/node_modules, which git ignores. The lock file pins them.
  if [ -f tools/node_modules/.setup-stamp ] && [ tools/node_modules/.setup-stamp -nt tools/package-lock.json ] \
     && [ tools/node_modules/.setup-stamp -nt tools/package.json ]; then
    step "npm tools: present"
  else
    step "installing npm tools into tools/node_modules"
    # `npm install` against the committed lock, not `npm ci`: the registry reachable here answers 404
    # for some optional platform packages (rollup's), which npm install skips but npm ci reports as a
    # lock mismatch. Top-level versions are pinned exactly in tools/package.json.
    (cd tools && npm install --no-audit --no-fund --loglevel=error)
    touch tools/node_modules/.setup-stamp
  fi
}

case "$what" in
  all) setup_rust; setup_browser; setup_node ;;
  rust) setup_rust ;;
  browser) setup_browser ;;
  node) setup_node ;;
  *) echo "usage: $0 [all|rust|browser|node]" >&2; exit 2 ;;
esac
