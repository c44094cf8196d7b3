# The two commands of the README work on a fresh machine: each runs scripts/setup.sh first, which
# installs what is missing and skips what is already there.
.PHONY: demo test setup vectors pkg bench fmt fuzz

demo: setup
	scripts/demo.sh

test: setup
	scripts/test.sh

setup:
	scripts/setup.sh all

# Regenerates tests/vectors/*.json from the reference library (amazon-cognito-identity-js).
vectors:
	scripts/setup.sh node
	node tests/vectors/generate.mjs

# The npm tools are set up too: the wasm is size-optimized by binaryen's wasm-opt from tools/.
pkg:
	scripts/setup.sh rust
	scripts/setup.sh node
	scripts/build-pkg.sh

# SRP speed in headless Chromium against the JS libraries, native Rust time, bundle sizes.
# A benchmark, not a test: it prints figures and fails only when a correctness check fails.
bench: setup
	scripts/build-pkg.sh
	node bench/run.mjs
	node bench/size.mjs

fmt:
	cargo fmt --all

# libFuzzer on every fuzz target (fuzz/) for FUZZ_SECONDS each (default 60); installs nightly and
# cargo-fuzz when missing. `make test` runs the same targets briefly on stable.
fuzz:
	scripts/fuzz.sh
