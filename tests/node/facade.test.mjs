// The JS CognitoAuth (the wasm package) from Node against the emulator: the flows an app runs,
// with the names and result shapes the facade promises.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startEmulator, loadKit, totp } from './emulator.mjs';

const poolId = 'us-east-1_DemoPool1';
const clientId = 'demopublicclient0000000001';
let emulator;
let kit;
let CognitoError;
before(async () => {
  [emulator, kit] = await Promise.all([startEmulator(), loadKit()]);
  ({ CognitoError } = kit);
});
after(() => emulator?.stop());

const auth = (extra = {}) => new kit.CognitoAuth({ userPoolId: poolId, clientId, endpoint: emulator.url, ...extra });

async function outboxCode(username) {
  const res = await fetch(`${emulator.url.replace(/\/$/, "")}/_emulator/outbox?poolId=${poolId}&username=${encodeURIComponent(username)}`);
  return (await res.json())[0].code;
}

test('sign in with SRP, read the session and the user, sign out', async () => {
  const a = auth({ storage: 'memory' });
  const events = [];
  const off = a.on('signedIn', () => events.push('signedIn'));
  a.on('signedOut', () => events.push('signedOut'));
  const out = await a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  assert.deepEqual(out, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  const session = await a.getSession();
  assert.equal(session.idTokenClaims.email, 'alice@example.com');
  assert.equal(typeof session.accessToken, 'string');
  const user = await a.getUser();
  assert.equal(user.attributes.email, 'alice@example.com');
  off();
  await a.signOut();
  assert.deepEqual(events, ['signedIn', 'signedOut']);
  await assert.rejects(a.getSession(), (e) => e instanceof CognitoError && e.code === 'NotSignedIn' && e.name === 'NotSignedIn');
});

test('errors are CognitoError with the service code, status and retryable', async () => {
  const a = auth({ storage: 'memory' });
  await assert.rejects(a.signIn({ username: 'alice@example.com', password: 'nope' }), (e) => {
    assert.ok(e instanceof CognitoError && e instanceof Error);
    assert.equal(e.code, 'NotAuthorizedException');
    assert.equal(e.name, 'NotAuthorizedException');
    assert.equal(e.status, 400);
    assert.equal(e.retryable, false);
    return true;
  });
  const offline = new kit.CognitoAuth({ userPoolId: poolId, clientId, endpoint: 'http://127.0.0.1:9/', storage: 'memory' });
  await assert.rejects(offline.signIn({ username: 'a', password: 'b' }), (e) => e.code === 'NetworkError' && e.retryable === true);
  assert.throws(() => new kit.CognitoAuth({ userPoolId: 'nope', clientId }), (e) => e.code === 'InvalidArgument');
  await assert.rejects(a.signIn({}), (e) => e.code === 'InvalidArgument');
});

test('TOTP MFA step, then the code', async () => {
  const a = auth({ storage: 'memory' });
  const out = await a.signIn({ username: 'carol@example.com', password: 'Passw0rd!' });
  assert.deepEqual(out.nextStep, { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' });
  const done = await a.confirmSignIn({ challengeResponse: totp('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP') });
  assert.equal(done.isSignedIn, true);
});

test('new password required, with the user\'s own storage object', async () => {
  const items = new Map();
  const storage = { getItem: async (k) => items.get(k) ?? null, setItem: async (k, v) => void items.set(k, v), removeItem: async (k) => void items.delete(k) };
  const a = auth({ storage });
  const out = await a.signIn({ username: 'bob@example.com', password: 'TempPassw0rd' });
  assert.equal(out.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED');
  const done = await a.confirmSignIn({ challengeResponse: 'BrandN3wPass' });
  assert.equal(done.isSignedIn, true);
  assert.ok([...items.keys()].some((k) => k.startsWith(`cognito-kit.${poolId}.${clientId}.`) && k.endsWith('.tokens')));
});

test('sign up, confirm with the emailed code, set up TOTP, and sign in with it', async () => {
  const a = auth({ storage: 'memory' });
  const email = `node-${Date.now()}@example.com`;
  const up = await a.signUp({ username: email, password: 'Str0ngPassw0rd', userAttributes: { email } });
  assert.equal(up.isSignUpComplete, false);
  assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  await assert.rejects(a.confirmSignUp({ username: email, confirmationCode: '000000' }), (e) => e.code === 'CodeMismatchException');
  await a.confirmSignUp({ username: email, confirmationCode: await outboxCode(email) });
  await a.signIn({ username: email, password: 'Str0ngPassw0rd' });
  const { sharedSecret, setupUri } = await a.setUpTotp({ issuer: 'Demo App' });
  assert.match(setupUri, /^otpauth:\/\/totp\/Demo%20App:.+\?secret=[A-Z2-7]+&issuer=Demo%20App$/);
  await a.verifyTotpSetup({ code: totp(sharedSecret) });
  await a.setMfaPreference({ totp: 'PREFERRED' });
  await a.signOut();
  const again = await a.signIn({ username: email, password: 'Str0ngPassw0rd' });
  assert.equal(again.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE');
  // The previous TOTP code may not be reused in the same window: use the next one.
  assert.equal((await a.confirmSignIn({ challengeResponse: totp(sharedSecret, Date.now() + 30000) })).isSignedIn, true);
  await a.deleteUser();
});

test('a server that never answers is a TimeoutError after timeoutMs', async () => {
  const silent = createServer(() => {});
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const a = new kit.CognitoAuth({ userPoolId: poolId, clientId, endpoint: `http://127.0.0.1:${silent.address().port}/`, storage: 'memory', timeoutMs: 300 });
    const started = Date.now();
    await assert.rejects(a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' }), (e) => e.code === 'TimeoutError' && e.retryable === true);
    assert.ok(Date.now() - started < 5000);
  } finally {
    silent.closeAllConnections?.();
    silent.close();
  }
});
