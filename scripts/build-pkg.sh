#!/usr/bin/env bash
# Builds the npm package into pkg/: the wasm of the wasm-release profile (built for size, see
# Cargo.toml) with its wasm-bindgen glue, plus the files of pkg-template/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# Without the crate's `std` feature: the package's wasm links no std (2.4 KB brotli of panic machinery,
# formatting and thread-locals it never needs; a panic, none reachable, traps as it did).
wasm-pack --log-level warn build --profile wasm-release --target web --out-dir pkg --out-name cognito_kit --mode no-install --no-pack --no-opt -- --no-default-features >/dev/null
# Size: binaryen's wasm-opt from npm (tools/node_modules). Debian's binaryen 108 silently breaks
# wasm-bindgen 0.2.13x output, so it is never used. Features are read from the module itself.
wasm_opt=tools/node_modules/.bin/wasm-opt
if [ -x "$wasm_opt" ]; then
  # --converge repeats the passes until nothing changes: about 0.3% smaller brotli for a second or two.
  # --low-memory-unused lets wasm-opt fold constant offsets into loads and stores (an address that
  # wrapped below 1 KiB would be needed to tell the difference; Rust never forms one), and -O2 before
  # -Oz leaves code -Oz then shrinks further: together 409 B brotli off the wasm (79,130 → 78,721).
  # --one-caller-inline-max-function-size=20 keeps a function called from one place a function
  # unless it is tiny: inlining the flows into the few exported entry points (the default inlines
  # any size) made bigger bodies that compress worse: 70,209 → 67,743 B brotli, the raw wasm 3 KB
  # larger (measured with 5/10/15/20/30/50/100: 20 is the smallest).
  "$wasm_opt" -O2 -Oz --low-memory-unused --converge --one-caller-inline-max-function-size=20 --strip-debug --strip-producers pkg/cognito_kit_bg.wasm -o pkg/cognito_kit_bg.wasm.opt
  mv pkg/cognito_kit_bg.wasm.opt pkg/cognito_kit_bg.wasm
else
  echo "build-pkg: $wasm_opt is missing (run scripts/setup.sh node); the wasm is not size-optimized" >&2
fi
# wasm-bindgen declares `[Symbol.dispose](): void` on every class, which makes TypeScript users add
# `ESNext.Disposable` to `lib` (or skip library checks). The declarations leave it out, so they compile
# under `lib: ["ES2020", "DOM"]` (tests/types/tsconfig.es2020.json); the glue still installs
# `Symbol.dispose` at run time where the runtime has it, and `free()` stays declared.
sed -i '/^ *\[Symbol\.dispose\](): void;$/d' pkg/cognito_kit.d.ts
if grep -q 'Symbol\.dispose' pkg/cognito_kit.d.ts; then
  echo "build-pkg: pkg/cognito_kit.d.ts still names Symbol.dispose (did wasm-bindgen change its output?)" >&2
  exit 1
fi
if [ -n "$(ls -A pkg-template 2>/dev/null)" ]; then
  cp -R pkg-template/. pkg/
fi
echo "built pkg/:"
for f in pkg/*.wasm pkg/cognito_kit.js; do
  printf '  %-28s %8d bytes raw, %7d gzip -9\n' "$f" "$(wc -c <"$f")" "$(gzip -9 -c "$f" | wc -c)"
done
