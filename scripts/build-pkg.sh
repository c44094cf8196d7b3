#!/usr/bin/env bash
# Builds the npm package into pkg/: the wasm of the wasm-release profile (built for size, see
# Cargo.toml), plus the files of pkg-template/ (its loader, the JavaScript and the types).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# Without the crate's `std` feature: the package's wasm links no std (2.4 KB brotli of panic machinery,
# formatting and thread-locals it never needs; a panic, none reachable, traps as it did), and no
# wasm-bindgen: its boundary is src/js/package.rs, loaded by pkg-template/cognito_kit.js (the
# generated glue and the wasm's externref and conversion code were 7 KB brotli of the package).
#
# The wasm is built by a pinned nightly Rust, with core and alloc compiled from source for it
# (`-Zbuild-std`) and panics as a bare trap (`-Cpanic=immediate-abort`): none is reachable, and
# without the panic paths' locations, messages and formatting that core's prebuilt code carries, the
# package's wasm is 1.9 KB brotli smaller (67,964 → 66,057 B; the full SRP exchange in Node at the
# same 8.9 ms). Everything else — the tests, the emulator, Rust apps and `examples/` — builds on
# stable. scripts/pkg-toolchain.sh pins it, scripts/setup.sh installs it (minimal, with rust-src:
# ~10 s); without it the package is built by stable, larger, and the size test of `make test` says so.
. scripts/pkg-toolchain.sh
pkg_target="${CARGO_TARGET_DIR:-target}/pkg"
if pkg_toolchain_ready; then
  # The flags are added to .cargo/config.toml's for wasm32 (SIMD, SHA-256's compact code), and apply
  # to core and alloc too.
  # -Zinline-mir=yes: rustc's MIR inliner (the one every opt-level 2 or 3 build runs; at opt-level "z"
  # it is off) inlines small helpers once, in their generic MIR, before LLVM sees them — 1.4 KB
  # brotli less (66,057 → 64,666 B of wasm; the full SRP exchange in Node the same, 9.5 ms, with the
  # reference vector's signature). The thresholds, for `#[inline]` functions (default 100) and others
  # (default 50), measured in a grid: 25/35/50/60 × 50/75/100/125/150/250; 50 and 75–125 give
  # 64,666–64,772, the defaults 65,695, `-Zmir-opt-level=3` no more than the inliner it turns on.
  # `--cfg cognito_kit_nightly`: the SRP arithmetic's routines that run a few times per exchange
  # compiled for size (`#[optimize(size)]`, modexp/src/lib.rs): 1.0 KB brotli less at the same speed.
  cargo "+$PKG_TOOLCHAIN" build --quiet --lib --no-default-features --profile wasm-release \
    --target wasm32-unknown-unknown --target-dir "$pkg_target" -Zbuild-std=core,alloc \
    --config 'target.wasm32-unknown-unknown.rustflags=["-Zunstable-options", "-Cpanic=immediate-abort", "-Zlocation-detail=none", "-Zfmt-debug=none", "-Zinline-mir=yes", "-Zinline-mir-hint-threshold=50", "-Zinline-mir-threshold=100", "--cfg", "cognito_kit_nightly"]'
else
  echo "build-pkg: the $PKG_TOOLCHAIN toolchain (with rust-src) is missing: run scripts/setup.sh rust;" \
    "building with stable (the wasm is about 1.9 KB brotli larger)" >&2
  cargo build --quiet --lib --no-default-features --profile wasm-release --target wasm32-unknown-unknown \
    --target-dir "$pkg_target"
fi
rm -rf pkg && mkdir -p pkg
cp "$pkg_target/wasm32-unknown-unknown/wasm-release/cognito_kit.wasm" pkg/cognito_kit_bg.wasm
# Size: binaryen's wasm-opt from npm (tools/node_modules). Debian's binaryen 108 silently breaks
# Rust 1.9x output, so it is never used. Features are read from the module itself.
wasm_opt=tools/node_modules/.bin/wasm-opt
if [ -x "$wasm_opt" ]; then
  # --converge repeats the passes until nothing changes: about 0.3% smaller brotli for a second or two.
  # --low-memory-unused lets wasm-opt fold constant offsets into loads and stores (an address that
  # wrapped below 1 KiB would be needed to tell the difference; Rust never forms one). -O2 before -Oz
  # helped wasm-bindgen's output (409 B); on the package's own module -Oz alone is 62 B smaller
  # (69,009 → 68,947; -Os -Oz 68,968, -O3 -Oz 69,156).
  # --one-caller-inline-max-function-size=20 keeps a function called from one place a function
  # unless it is tiny: inlining the flows into the few exported entry points (the default inlines
  # any size) made bigger bodies that compress worse: 70,209 → 67,743 B brotli, the raw wasm 3 KB
  # larger (measured with 5/10/15/20/30/50/100: 20 is the smallest; again 10/15/20/30/40 without
  # wasm-bindgen: 20 still).
  # --strip-target-features drops the `target_features` section once wasm-opt has read it: a note
  # for linkers that engines ignore, 157 bytes that compress to ~120 (68,475 → 68,355 B brotli).
  # -O1 --flatten --rereloop first: the flows' control flow rebuilt by binaryen's relooper from a
  # flat form before -Oz shrinks it — 510 B brotli less (68,331 → 67,821; -Oz instead of -O1 before
  # it 67,827, -O2 68,107, after -Oz instead of before it +9.8 KB); the full SRP exchange in Node the
  # same (8.9 ms both, interleaved), wasm-opt's time 4 → 8 s.
  "$wasm_opt" -O1 --flatten --rereloop -Oz --low-memory-unused --converge --one-caller-inline-max-function-size=20 --strip-debug --strip-producers --strip-target-features pkg/cognito_kit_bg.wasm -o pkg/cognito_kit_bg.wasm.opt
  mv pkg/cognito_kit_bg.wasm.opt pkg/cognito_kit_bg.wasm
else
  echo "build-pkg: $wasm_opt is missing (run scripts/setup.sh node); the wasm is not size-optimized" >&2
fi
if [ -n "$(ls -A pkg-template 2>/dev/null)" ]; then
  cp -R pkg-template/. pkg/
fi
# The browser entries as single files: a page that imports `index.js` by URL (no bundler) fetches one
# module and then the wasm, instead of the entry, then its three modules, then the wasm. Each round
# trip counts on a phone line: in `bench/run.mjs`-style fresh pages on loopback, 20 imports each, the
# median import went from 95 to 66 ms (Amplify's same-feature bundle: 82 ms in that run). The two
# entries no longer share module state on a page that imports both (each loads its own wasm);
# `CognitoError` stays one class for `instanceof` (errors.js). Node's entries keep the modules.
esbuild=tools/node_modules/.bin/esbuild
if [ -x "$esbuild" ]; then
  for entry in index lazy; do
    "$esbuild" "pkg-template/$entry.js" --bundle --format=esm --platform=browser --log-level=warning \
      --minify-whitespace --minify-syntax --outfile="pkg/$entry.js"
  done
else
  echo "build-pkg: $esbuild is missing (run scripts/setup.sh node); the browser entries are not single files" >&2
fi
echo "built pkg/:"
for f in pkg/*.wasm pkg/cognito_kit.js; do
  printf '  %-28s %8d bytes raw, %7d gzip -9\n' "$f" "$(wc -c <"$f")" "$(gzip -9 -c "$f" | wc -c)"
done
