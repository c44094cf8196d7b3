#!/usr/bin/env bash
# `make demo`: the most useful thing the project can show today. At this stage (protocol core, no
# emulator or pages yet): build the wasm package and run the kit's SRP code in Node next to the
# reference client on the worked example of PROTOCOL.md, showing that both produce the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-pkg.sh
node scripts/demo-core.mjs
