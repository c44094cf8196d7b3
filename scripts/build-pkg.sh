#!/usr/bin/env bash
# Builds the npm package into pkg/: the release wasm (built for size) with its wasm-bindgen glue,
# plus the files of pkg-template/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
wasm-pack --log-level warn build --release --target web --out-dir pkg --out-name cognito_kit --mode no-install --no-pack >/dev/null
if [ -n "$(ls -A pkg-template 2>/dev/null)" ]; then
  cp -R pkg-template/. pkg/
fi
echo "built pkg/:"
for f in pkg/*.wasm pkg/*.js; do
  printf '  %-28s %8d bytes raw, %7d gzip -9\n' "$f" "$(wc -c <"$f")" "$(gzip -9 -c "$f" | wc -c)"
done
