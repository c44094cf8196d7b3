// The package's browser entry (pkg/index.js) from a plain <script type="module"> page in headless
// Chromium, served on loopback: no bundler, no manual init; signs in against the emulator.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveFiles, startEmulator } from './emulator.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let emulator;
let server;
let browser;

const page = (endpoint) => `<!doctype html><meta charset="utf-8"><title>plain module</title>
<script type="module">
  import { CognitoAuth, CognitoError } from '/pkg/index.js';
  const auth = new CognitoAuth({ userPoolId: 'us-east-1_DemoPool1', clientId: 'demopublicclient0000000001', endpoint: ${JSON.stringify(endpoint)}, storage: 'session' });
  const result = {};
  try { await auth.signIn({ username: 'alice@example.com', password: 'wrong' }); }
  catch (e) { result.wrong = { isCognitoError: e instanceof CognitoError, code: e.code }; }
  // The other entry on the same page is its own single file, with its own copy of the class: an
  // error of either is an instance of both, and a plain Error of neither.
  const lazy = await import('/pkg/lazy.js');
  await lazy.ready;
  try { lazy.secretHash(); } catch (e) { result.lazyError = [e instanceof CognitoError, e instanceof lazy.CognitoError, e.code]; }
  result.crossCopy = [lazy.CognitoError !== CognitoError, new CognitoError('x') instanceof lazy.CognitoError, new Error('x') instanceof CognitoError, null instanceof CognitoError];
  result.signIn = await auth.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  result.email = (await auth.getSession()).idTokenClaims.email;
  result.inSessionStorage = Object.keys(sessionStorage).some((k) => k.startsWith('cognito-kit.us-east-1_DemoPool1.'));
  window.__result = result;
</script>`;

// A module service worker that imports the package by URL (service workers forbid a top-level
// await, so it takes the lazy entry) and signs in when the page asks.
const worker = (endpoint) => `import { CognitoAuth, CognitoError } from '/pkg/lazy.js';
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('message', (event) => {
  event.waitUntil((async () => {
    const auth = new CognitoAuth({ userPoolId: 'us-east-1_DemoPool1', clientId: 'demopublicclient0000000001', endpoint: ${JSON.stringify(endpoint)}, storage: 'memory' });
    const result = {};
    try { await auth.signIn({ username: 'alice@example.com', password: 'wrong' }); }
    catch (e) { result.wrong = { isCognitoError: e instanceof CognitoError, code: e.code }; }
    result.signIn = await auth.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
    result.email = (await auth.getSession()).idTokenClaims.email;
    event.source.postMessage(result);
  })().catch((e) => event.source.postMessage({ failed: String(e?.code ?? e) })));
});`;

const swPage = `<!doctype html><meta charset="utf-8"><title>service worker</title>
<script type="module">
  navigator.serviceWorker.addEventListener('message', (e) => (window.__result = e.data));
  navigator.serviceWorker.register('/sw.js', { type: 'module' })
    .then(() => navigator.serviceWorker.ready)
    .then((r) => r.active.postMessage('sign in'))
    .catch((e) => (window.__result = { failed: String(e) }));
</script>`;

before(async () => {
  emulator = await startEmulator();
  server = await serveFiles(root, { '/': page(emulator.url), '/sw.html': swPage, '/sw.js': worker(emulator.url) });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.close();
  emulator?.stop();
});

test('a plain <script type="module"> imports the package and signs in', async () => {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  await tab.goto(server.url);
  const result = await tab.waitForFunction(() => window.__result, null, { timeout: 30000 }).then((h) => h.jsonValue());
  assert.deepEqual(errors, []);
  assert.deepEqual(result.wrong, { isCognitoError: true, code: 'NotAuthorizedException' });
  assert.deepEqual(result.lazyError, [true, true, 'InvalidArgument']);
  assert.deepEqual(result.crossCopy, [true, true, false, false]);
  assert.deepEqual(result.signIn, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal(result.email, 'alice@example.com');
  assert.equal(result.inSessionStorage, true);
});

test('a module service worker imports the package by URL and signs in', async () => {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  await tab.goto(`${server.url}sw.html`);
  const result = await tab.waitForFunction(() => window.__result, null, { timeout: 30000 }).then((h) => h.jsonValue());
  assert.deepEqual(errors, []);
  assert.deepEqual(result.wrong, { isCognitoError: true, code: 'NotAuthorizedException' });
  assert.deepEqual(result.signIn, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal(result.email, 'alice@example.com');
});
