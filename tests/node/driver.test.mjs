// The package's JavaScript under bad conditions: a wasm that could not be loaded at first (a service
// worker that started offline), listeners that reject, storage that throws values without a
// readable message, options and inputs that cannot be serialized. Every failure is a CognitoError,
// and a load that failed is tried again.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

const POOL = 'us-east-1_Pool1';
const CLIENT = 'client1';
const realFetch = globalThis.fetch;
const wasm = readFileSync(join(root, 'pkg/cognito_kit_bg.wasm'));
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims) => `${b64({ alg: 'RS256' })}.${b64(claims)}.c2ln`;
const now = () => Math.floor(Date.now() / 1000);
const signedIn = () => {
  const claims = { 'cognito:username': 'alice', username: 'alice', exp: now() + 3600, iat: now() };
  return new Response(JSON.stringify({
    AuthenticationResult: {
      AccessToken: jwt({ ...claims, token_use: 'access' }), IdToken: jwt({ ...claims, token_use: 'id' }),
      RefreshToken: 'refresh', ExpiresIn: 3600, TokenType: 'Bearer',
    },
  }), { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' } });
};

// The lazy entry, loaded here by its file (as a service worker imports it by URL): its first load
// fails, the second succeeds. Every test below runs on this one instance.
let wasmLoads = 0;
let failFirstLoad;
const firstLoad = new Promise((r) => { failFirstLoad = r; });
let service = () => signedIn();
globalThis.fetch = async (url, init) => {
  if (String(url).endsWith('.wasm')) {
    wasmLoads += 1;
    if (wasmLoads === 1) {
      await firstLoad;
      throw new TypeError('Failed to fetch');
    }
    return new Response(wasm, { headers: { 'content-type': 'application/wasm' } });
  }
  if (String(url).startsWith('https://cognito-idp.')) return service(url, init);
  return realFetch(url, init);
};
const kit = await import(join(root, 'pkg/lazy.js'));
const options = { userPoolId: POOL, clientId: CLIENT, storage: 'memory' };

test('a wasm that could not be loaded is reported as a CognitoError, and the next call loads it', async () => {
  // Made and called while the first load is on its way.
  const auth = new kit.CognitoAuth(options);
  const first = auth.getSession();
  failFirstLoad();
  await assert.rejects(kit.ready);
  await assert.rejects(first, (e) => e instanceof kit.CognitoError && e.code === 'InvalidState'
    && /could not be loaded: Failed to fetch/.test(e.message));
  // The direct exports too, until a load succeeds.
  assert.throws(() => kit.secretHash('secret', 'alice', 'client'), (e) => e instanceof kit.CognitoError && e.code === 'InvalidState');
  assert.throws(() => new kit.SrpClient(), (e) => e instanceof kit.CognitoError && e.code === 'InvalidState');
  const session = await auth.signIn({ username: 'alice', password: 'Passw0rd!' });
  assert.equal(session.isSignedIn, true);
  assert.equal(wasmLoads, 2);
  // Loaded once: a new client does not load it again.
  await new kit.CognitoAuth(options).getSession().catch(() => {});
  assert.equal(wasmLoads, 2);
});

test('a listener whose promise rejects is not an unhandled rejection, and the others still hear', async () => {
  const unhandled = [];
  const note = (e) => unhandled.push(e);
  process.on('unhandledRejection', note);
  try {
    const auth = new kit.CognitoAuth(options);
    let heard = 0;
    auth.on('signedIn', async () => { throw new Error('listener failed'); });
    auth.on('signedIn', () => { heard += 1; });
    await auth.signIn({ username: 'alice', password: 'Passw0rd!' });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(heard, 1);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', note);
  }
});

test('a storage that throws an unreadable value gives a CognitoError, not a TypeError', async () => {
  const unreadable = Object.create(null); // String() of it throws
  const storage = {
    getItem: () => null,
    setItem: () => { throw unreadable; },
    removeItem: () => {},
  };
  const auth = new kit.CognitoAuth({ ...options, storage });
  await assert.rejects(auth.signIn({ username: 'alice', password: 'Passw0rd!' }), (e) => e instanceof kit.CognitoError && e.code === 'InvalidState' && /storage setItem\(\)/.test(e.message));
});

test('options and inputs that cannot be serialized are CognitoErrors', async () => {
  const circular = { ...options };
  circular.oauth = { self: circular };
  const auth = new kit.CognitoAuth(circular); // the lazy entry reports option errors on the first call
  await assert.rejects(auth.getSession(), (e) => e instanceof kit.CognitoError && e.code === 'InvalidArgument'
    && /the options cannot be read/.test(e.message));
  const good = new kit.CognitoAuth(options);
  await assert.rejects(good.signIn({ username: 'alice', password: 10n }), (e) => e instanceof kit.CognitoError
    && e.code === 'InvalidArgument' && /the input cannot be read/.test(e.message));
});

test('attributes in an object without a prototype are sent', async () => {
  let sent;
  service = async (url, init) => {
    sent = JSON.parse(init.body);
    return new Response(JSON.stringify({ UserConfirmed: false, UserSub: 'sub' }), { status: 200 });
  };
  const attributes = Object.create(null);
  attributes.email = 'alice@example.com';
  await new kit.CognitoAuth(options).signUp({ username: 'alice', password: 'Passw0rd!', userAttributes: attributes });
  assert.deepEqual(sent.UserAttributes, [{ Name: 'email', Value: 'alice@example.com' }]);
});
