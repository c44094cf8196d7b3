#!/usr/bin/env bash
# `make fuzz`: runs every cargo-fuzz target (fuzz/fuzz_targets) for FUZZ_SECONDS each (default 60)
# with libFuzzer on nightly Rust, and prints each target's executions. Installs the nightly
# toolchain and cargo-fuzz first when they are missing (and skips that when they are there).
# `make test` runs the same target functions on stable (tests/fuzz_smoke.rs,
# emulator/tests/fuzz_smoke.rs); this is the long run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
seconds=${FUZZ_SECONDS:-60}
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz
fi
mkdir -p test-output
status=0
for target in $(cargo +nightly fuzz list --fuzz-dir fuzz); do
  # A copy of the seed corpus: libFuzzer adds what it finds there, the committed seeds stay small.
  work=test-output/fuzz-corpus/$target
  mkdir -p "$work"
  cp -n fuzz/corpus/"$target"/* "$work"/ 2>/dev/null || true
  log=test-output/fuzz-$target.log
  echo "== $target ($seconds s)"
  if cargo +nightly fuzz run --fuzz-dir fuzz "$target" "$work" -- -max_total_time="$seconds" -max_len=4096 >"$log" 2>&1; then
    grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || tail -2 "$log"
  else
    echo "$target: FAILED (crash or error), see $log and fuzz/artifacts/$target"
    tail -20 "$log"
    status=1
  fi
done
exit $status
