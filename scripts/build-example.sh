#!/usr/bin/env bash
# Builds the Rust web app of examples/signin-app (the kit's engine driven from Rust, fetch called
# from Rust) into target/signin-app/: its wasm, the wasm-bindgen glue and index.html. Built with the
# package's size-and-speed profile (the SRP arithmetic at opt-level 3).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --quiet -p cognito-kit-signin-app --target wasm32-unknown-unknown --profile wasm-release
out=target/signin-app
mkdir -p "$out"
wasm-bindgen --target web --out-dir "$out" --out-name signin_app \
  target/wasm32-unknown-unknown/wasm-release/cognito_kit_signin_app.wasm
cp examples/signin-app/index.html "$out/"
echo "built $out/ (serve it over http and open index.html)"
