#!/usr/bin/env bash
# `make demo`: starts the local user pool (the emulator) with the demo pool and shows the kit signing in
# to it, then keeps the emulator running until Ctrl-C. (The hosted-UI pages come with issue "pages".)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
port=${DEMO_PORT:-9229}
scripts/build-pkg.sh
cargo build --quiet --release -p cognito-kit-emulator
target/release/cognito-kit-emulator --host 127.0.0.1 --port "$port" --config emulator/examples/pools.json &
emulator=$!
trap 'kill $emulator 2>/dev/null' EXIT INT TERM
url="http://127.0.0.1:$port/"
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

echo
echo "== the kit's SRP next to the reference client =="
node scripts/demo-core.mjs
echo
echo "== the kit signing in to the local user pool at $url (pool us-east-1_DemoPool1) =="
signin() { node scripts/kit-signin.mjs "$url" us-east-1_DemoPool1 "$@" || true; }
printf 'alice, right password:   '; signin demopublicclient0000000001 alice@example.com 'Passw0rd!'
printf 'alice, wrong password:   '; signin demopublicclient0000000001 alice@example.com 'wrong'
printf 'carol (TOTP MFA on):     '; signin demopublicclient0000000001 carol@example.com 'Passw0rd!'
printf 'secret client + hash:    '; signin demosecretclient0000000002 alice@example.com 'Passw0rd!' demosecret0000000000000000000000000000000000000000001
cat <<MSG

The emulator keeps running at $url with the demo pool of emulator/examples/pools.json
(users alice@example.com / Passw0rd!, bob@example.com (must change password), carol@example.com (TOTP)).
Point any Cognito client at it, e.g.
  node scripts/kit-signin.mjs $url us-east-1_DemoPool1 demopublicclient0000000001 alice@example.com 'Passw0rd!'
Codes it "sends" (sign-up, reset, MFA): ${url}_emulator/outbox?poolId=us-east-1_DemoPool1
Press Ctrl-C to stop.
MSG
wait $emulator
