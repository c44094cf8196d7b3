#!/usr/bin/env bash
# The npm package's size under the architectures considered for it, measured instead of guessed:
# builds each in a throw-away worktree and prints bench/size.mjs's kit line (everything a browser
# downloads: the wasm and the bundled, minified entry). A steering tool, not a test; it leaves the
# working copy alone.
#
#   current       HEAD: one engine — the crate's CognitoAuth in wasm behind one entry point
#                 (engine_start/task_resume, src/js/package.rs), the package's JavaScript only its I/O.
#   js-client     commit 8f31c1a, the last where the package's CognitoAuth was a second client in
#                 JavaScript (pkg-template/client.js) over the SRP core: the size of two engines' worth
#                 of flows kept out of the wasm.
#   sans-io-core  9076fc7 + bench/probes/sans-io-core.patch: the SRP core plus every synchronous piece a
#                 JavaScript driver over a sans-IO Rust core would call (each operation's request
#                 writer and reply parser, the challenge interpreter, JWT decoding, the device
#                 verifier), without the driver, result shaping or state: a lower bound.
#
# About a minute warm, several cold (its own target directory: target/bench/architecture/target).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
root=$PWD
work=$root/target/bench/architecture
export CARGO_TARGET_DIR=$work/target
mkdir -p "$work"
js_client=8f31c1a
sans_io_base=9076fc7
for probe in current js-client sans-io-core; do
  tree=$work/$probe
  git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
  case $probe in
    current) git worktree add --quiet --detach "$tree" HEAD ;;
    js-client) git worktree add --quiet --detach "$tree" "$js_client" ;;
    *) git worktree add --quiet --detach "$tree" "$sans_io_base" ;;
  esac
  if [ "$probe" = sans-io-core ]; then
    git -C "$tree" apply "$root/bench/probes/$probe.patch"
  fi
  ln -s "$root/tools/node_modules" "$tree/tools/node_modules"
  (cd "$tree" && scripts/build-pkg.sh >/dev/null)
  echo "== $probe"
  entry=$tree/pkg/index.js
  [ "$probe" = sans-io-core ] && entry=$tree/pkg/cognito_kit.js
  node bench/size.mjs --pkg "$tree/pkg" --js "$entry" --kit-only | tail -n +2
  git worktree remove --force "$tree"
done
