#!/usr/bin/env bash
# `make demo`: the local user pool (the emulator, with the demo pool) and the hosted-UI pages (www/,
# built on the npm package) on loopback, until Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
port=${DEMO_PORT:-9229}
www_port=${DEMO_WWW_PORT:-8080}
passless_port=$((www_port + 1))
for p in "$port" "$www_port" "$passless_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "demo: port $p on 127.0.0.1 is in use; stop what uses it or set DEMO_PORT / DEMO_WWW_PORT (the passwordless pages use DEMO_WWW_PORT + 1)" >&2
    exit 1
  fi
done
scripts/build-pkg.sh
cargo build --quiet --release -p cognito-kit-emulator
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
target/release/cognito-kit-emulator --host 127.0.0.1 --port "$port" --config emulator/examples/pools.json &
pids+=($!)
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

# The demo pool's domain ("kit-demo": a domain may not contain the word "cognito"), and its web
# client opened to it — the emulator's --config holds no domains and cannot know the pages' port:
# "More sign-in options" on the pages below.
mkdir -p target
node --no-warnings scripts/demo-domain.mjs --endpoint "$url" --pool us-east-1_DemoPool1 --client demopublicclient0000000001 \
  --domain kit-demo --pages "http://127.0.0.1:$www_port/" --out target/demo-oauth.json
# The pages, with the pool's rules read from the emulator's DescribeUserPool.
node scripts/www.mjs --out target/www --endpoint "$url" --describe --config target/demo-oauth.json \
  --serve --host 127.0.0.1 --port "$www_port" &
pids+=($!)
# The same pages on the passwordless pool (us-east-1_Passless1), with every passwordless feature on:
# passkeys, emailed and texted codes, the choice of factor, sign-up without a password. Passkeys belong to the
# relying party `localhost`, so these pages are opened at http://localhost:…, not 127.0.0.1.
node scripts/www.mjs --out target/www-passwordless --endpoint "$url" --describe --config scripts/demo-passwordless.json \
  --serve --host 127.0.0.1 --port "$passless_port" &
pids+=($!)
for p in "$www_port" "$passless_port"; do
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
    sleep 0.1
  done
done
cat <<MSG

================================================================================
  Open the sign-in pages:  http://127.0.0.1:$www_port/
  Passwordless (passkeys, emailed and texted codes):  http://localhost:$passless_port/
================================================================================
Create an account (the confirmation code appears in the pages' "Demo outbox" panel), sign in, set
up an authenticator app from the account page, sign out and in again. Or use the demo users:
alice@example.com / Passw0rd!, bob@example.com / TempPassw0rd (must choose a new password),
carol@example.com / Passw0rd! (TOTP, secret JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP).
"More sign-in options" goes to the pool's domain (the emulator's managed login at
${url}domains/kit-demo) and back; signing out then ends that domain's session too.
On the passwordless pages, create an account without a password (you are signed in as soon as you
confirm it), add a passkey from the account page, sign out and sign in with it or with an emailed
code; pia@example.com / Passw0rd! has a password too, and sol@example.com has a phone number: "Text
me a code" (the texted code appears in the "Demo outbox" panel too).

The user pool (emulator) listens at $url — point any Cognito client at it, e.g.
  node scripts/kit-signin.mjs $url us-east-1_DemoPool1 demopublicclient0000000001 alice@example.com 'Passw0rd!'
Press Ctrl-C to stop both.
MSG
wait -n "${pids[@]}"
