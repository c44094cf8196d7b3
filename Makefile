# The two commands of the README work on a fresh machine: each runs scripts/setup.sh first, which
# installs what is missing and skips what is already there.
.PHONY: demo test setup vectors pkg fmt

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

pkg:
	scripts/setup.sh rust
	scripts/build-pkg.sh

fmt:
	cargo fmt --all
