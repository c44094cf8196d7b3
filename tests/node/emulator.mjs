// Starts the emulator binary on a free loopback port for a Node test, and stops it.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

export async function startEmulator({ config = join(root, 'emulator/examples/pools.json'), args = [] } = {}) {
  const bin = process.env.EMULATOR_BIN ?? join(root, 'target/debug/cognito-kit-emulator');
  const child = spawn(bin, ['--port', '0', '--config', config, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the emulator did not start within 60 s')), 60_000);
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`the emulator exited (${code}) before listening`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/** Loads the kit's package (pkg/, built by `make pkg`) through its Node entry, as an app would. */
export async function loadKit() {
  return import(join(root, 'pkg/node.js'));
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) from a base32 secret, as an authenticator app computes it. */
export function totp(secret, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[19] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/**
 * Serves the files under `dir` on a free loopback port; `pages` maps a path ('/', '/sw.js') to the
 * text to answer instead (HTML for paths without an extension or ending in .html).
 */
export async function serveFiles(dir, pages = {}) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer(async (req, res) => {
    const path = normalize(new URL(req.url, 'http://x').pathname);
    const own = pages[path];
    if (own !== undefined) {
      const type = types[extname(path)] ?? 'text/html';
      res.writeHead(200, { 'content-type': type }).end(typeof own === 'function' ? await own() : own);
      return;
    }
    try {
      const body = await readFile(join(dir, path));
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

/** Headless Chromium with the flags this machine needs (TOOLCHAIN.md). */
export function launchChromium() {
  const { chromium } = createRequire(join(root, 'tools/package.json'))('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Runs `fn(window.auth, arg)` in `page` (a page that set `window.auth` and `window.kit`); a thrown
 * error comes back as `{ error: code, message, isCognitoError }`.
 */
export function inPage(page, fn, arg) {
  return page.evaluate(async ({ source, arg: input }) => {
    try {
      return await new Function('auth', 'arg', `return (${source})(auth, arg);`)(window.auth, input);
    } catch (e) {
      return { error: e.code ?? e.name, message: e.message, isCognitoError: e instanceof window.kit.CognitoError };
    }
  }, { source: fn.toString(), arg });
}

/** The AWS SDK's user-pool client, pointed at the emulator (its admin operations make test pools). */
export function adminClient(emulator) {
  const { CognitoIdentityProviderClient } = createRequire(join(root, 'tools/package.json'))('@aws-sdk/client-cognito-identity-provider');
  return new CognitoIdentityProviderClient({
    region: 'us-east-1', endpoint: emulator.url.replace(/\/$/, ''), credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1,
  });
}
