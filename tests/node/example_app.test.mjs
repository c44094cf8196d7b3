// The Rust web app of examples/signin-app (the kit's engine driven from Rust, fetch called from
// Rust, no JavaScript of its own) signs in to the emulator and out again in headless Chromium.
// Built by scripts/build-example.sh into target/signin-app/.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from './emulator.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const app = join(root, 'target/signin-app');
const { chromium } = createRequire(join(root, 'tools/package.json'))('playwright-core');
let emulator;
let server;
let browser;

before(async () => {
  emulator = await startEmulator();
  server = createServer(async (req, res) => {
    const path = normalize(new URL(req.url, 'http://x').pathname).replace(/^\/$/, '/index.html');
    try {
      let body = await readFile(join(app, path));
      // The page names the demo's emulator; point it at this test's.
      if (path === '/index.html') body = body.toString().replace('http://127.0.0.1:9229/', emulator.url);
      const type = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' }[extname(path)] ?? 'application/octet-stream';
      res.writeHead(200, { 'content-type': type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  server?.close();
  emulator?.stop();
});

test('a Rust web app signs in with the engine, keeps the session across a reload, and signs out', async () => {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  const status = () => tab.locator('#status');
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.locator('#sign-in').waitFor();
  assert.match(await status().textContent(), /Signed out \(NotSignedIn\)/);

  await tab.fill('#username', 'alice@example.com');
  await tab.fill('#password', 'wrong-Passw0rd');
  await tab.click('#sign-in button');
  await tab.waitForFunction(() => /Could not sign in/.test(document.querySelector('#status').textContent));
  assert.match(await status().textContent(), /NotAuthorizedException/);

  await tab.fill('#password', 'Passw0rd!');
  await tab.click('#sign-in button');
  await tab.waitForFunction(() => /Signed in as/.test(document.querySelector('#status').textContent), null, { timeout: 30000 });
  assert.equal(await status().textContent(), 'Signed in as alice@example.com');
  const stored = await tab.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('cognito-kit.')));
  assert.ok(stored.some((k) => k.endsWith('.tokens')), `tokens in localStorage: ${stored}`);

  await tab.reload();
  await tab.waitForFunction(() => /Signed in as/.test(document.querySelector('#status').textContent));

  await tab.click('#sign-out button');
  await tab.waitForFunction(() => /Signed out/.test(document.querySelector('#status').textContent));
  assert.deepEqual(await tab.evaluate(() => Object.keys(localStorage).filter((k) => /\.(tokens|lastAuthUser)$/.test(k))), []);
  assert.deepEqual(errors, []);
});
