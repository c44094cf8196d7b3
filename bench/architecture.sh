#!/usr/bin/env bash
# How small the npm package could get under other architectures, measured instead of guessed: builds
# the committed code (HEAD) three ways in throw-away worktrees and prints bench/size.mjs's kit line
# for each. A steering tool for the size target, not a test; it leaves the working copy alone.
#
#   current       the package as shipped: the Rust client (CognitoAuth) behind the JS facade.
#   srp-core      bench/probes/srp-core.patch: only SrpClient, secretHash, cognitoTimestamp and the
#                 error class; everything else (HTTP, the challenge loop, storage, refresh) would
#                 have to be written in JavaScript.
#   sans-io-core  bench/probes/sans-io-core.patch: srp-core plus every synchronous piece a JavaScript
#                 driver over a sans-IO Rust core would call: each operation's request writer and
#                 reply parser, the challenge interpreter, JWT decoding, the device verifier. It has
#                 no driver, no result shaping and no state between calls, so it is a lower bound.
#
# About 3 minutes on a warm machine (its own target directory: target/bench/architecture/target).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
root=$PWD
work=$root/target/bench/architecture
export CARGO_TARGET_DIR=$work/target
mkdir -p "$work"
for probe in current srp-core sans-io-core; do
  tree=$work/$probe
  git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
  git worktree add --quiet --detach "$tree" HEAD
  if [ "$probe" != current ]; then
    git -C "$tree" apply "$root/bench/probes/$probe.patch"
  fi
  ln -s "$root/tools/node_modules" "$tree/tools/node_modules"
  (cd "$tree" && scripts/build-pkg.sh >/dev/null)
  echo "== $probe"
  node bench/size.mjs --pkg "$tree/pkg" --kit-only | tail -n +2
  git worktree remove --force "$tree"
done
