// The Rust web app of examples/signin-app (the kit's engine driven from Rust, fetch called from
// Rust, no JavaScript of its own) signs in to the emulator and out again in headless Chromium.
// Built by scripts/build-example.sh into target/signin-app/.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveFiles, startEmulator } from './emulator.mjs';
import { PASSLESS, addAuthenticator } from './pages_harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const app = join(root, 'target/signin-app');
let emulator;
let server;
let browser;

before(async () => {
  emulator = await startEmulator();
  // The page names the demo's emulator; it is pointed at this test's.
  const index = async () => (await readFile(join(app, 'index.html'), 'utf8')).replace('http://127.0.0.1:9229/', emulator.url);
  // The same page on the passwordless pool, whose passkeys belong to the relying party `localhost`.
  const passwordless = async () => (await index())
    .replace('us-east-1_DemoPool1', PASSLESS.poolId).replace('demopublicclient0000000001', PASSLESS.clientId);
  server = await serveFiles(app, { '/': index, '/index.html': index, '/passwordless.html': passwordless });
  browser = await launchChromium();
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
  await tab.goto(server.url);
  await tab.locator('#sign-in').waitFor();
  assert.match(await status().textContent(), /Signed out \(NotSignedIn\)/);

  await tab.fill('#username', 'alice@example.com');
  await tab.fill('#password', 'wrong-Passw0rd');
  await tab.click('#sign-in button:not([type=button])');
  await tab.waitForFunction(() => /Could not sign in/.test(document.querySelector('#status').textContent));
  assert.match(await status().textContent(), /NotAuthorizedException/);

  await tab.fill('#password', 'Passw0rd!');
  await tab.click('#sign-in button:not([type=button])');
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

test('the Rust web app adds a passkey for the signed-in user and signs in with it; a passkey the device no longer has is a typed failure', async () => {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  const authenticator = await addAuthenticator(tab);
  const status = () => tab.locator('#status');
  const signedIn = () => tab.waitForFunction(() => /Signed in as/.test(document.querySelector('#status').textContent), null, { timeout: 30000 });
  await tab.goto(`${server.url.replace('127.0.0.1', 'localhost')}passwordless.html`);
  await tab.locator('#sign-in').waitFor();
  await tab.fill('#username', 'pia@example.com');
  await tab.fill('#password', 'Passw0rd!');
  await tab.click('#sign-in button:not([type=button])');
  await signedIn();

  // FetchRuntime carries out the ceremony (navigator.credentials.create) the engine asks for.
  await tab.click('#add-passkey button');
  await tab.locator('#passkey-status', { hasText: 'Passkey added' }).waitFor();
  const held = await authenticator.credentials();
  assert.equal(held.length, 1);
  assert.equal(held[0].rpId, 'localhost');

  await tab.click('#sign-out button');
  await tab.waitForFunction(() => /Signed out/.test(document.querySelector('#status').textContent));
  await tab.fill('#username', 'pia@example.com');
  await tab.click('#passkey-sign-in');
  await signedIn();
  assert.equal(await status().textContent(), 'Signed in as pia@example.com');

  // The authenticator forgets the passkey: the platform refuses, and the engine says so.
  await tab.click('#sign-out button');
  await tab.waitForFunction(() => /Signed out/.test(document.querySelector('#status').textContent));
  await authenticator.cdp.send('WebAuthn.clearCredentials', { authenticatorId: authenticator.authenticatorId });
  await tab.fill('#username', 'pia@example.com');
  await tab.click('#passkey-sign-in');
  await tab.waitForFunction(() => /Could not sign in/.test(document.querySelector('#status').textContent), null, { timeout: 30000 });
  assert.match(await status().textContent(), /\(PasskeyCanceled\)/);
  assert.deepEqual(errors, []);
});
