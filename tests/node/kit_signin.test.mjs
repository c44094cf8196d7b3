// scripts/kit-signin.mjs (the package's CognitoAuth, SRP by default, in Node) against the emulator,
// whose SRP check is independent and proven by amazon-cognito-identity-js (emulator/interop). Right
// password → tokens; wrong → refused.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, loadKit } from './emulator.mjs';
import { kitSignIn } from '../../scripts/kit-signin.mjs';

const poolId = 'us-east-1_DemoPool1';
let emulator;
let kit;
before(async () => {
  [emulator, kit] = await Promise.all([startEmulator(), loadKit()]);
});
after(() => emulator?.stop());

const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));

test('the kit signs in with SRP and gets tokens for the right user', async () => {
  const done = await kitSignIn(kit, { endpoint: emulator.url, poolId, clientId: 'demopublicclient0000000001', username: 'alice@example.com', password: 'Passw0rd!' });
  const id = claimsOf(done.idToken);
  assert.equal(id.email, 'alice@example.com');
  assert.equal(id.token_use, 'id');
  assert.equal(id.aud, 'demopublicclient0000000001');
  assert.equal(claimsOf(done.accessToken).token_use, 'access');
  assert.ok(done.refreshToken);
});

test('a wrong password is refused by the emulator', async () => {
  await assert.rejects(
    kitSignIn(kit, { endpoint: emulator.url, poolId, clientId: 'demopublicclient0000000001', username: 'alice@example.com', password: 'Passw0rd?' }),
    (e) => e.code === 'NotAuthorizedException' && /Incorrect username or password/.test(e.message),
  );
});

test('a client with a secret needs the kit\'s SECRET_HASH', async () => {
  const creds = { endpoint: emulator.url, poolId, clientId: 'demosecretclient0000000002', username: 'alice@example.com', password: 'Passw0rd!' };
  const done = await kitSignIn(kit, { ...creds, clientSecret: 'demosecret0000000000000000000000000000000000000000001' });
  assert.equal(claimsOf(done.idToken).email, 'alice@example.com');
  await assert.rejects(kitSignIn(kit, creds), (e) => e.code === 'NotAuthorizedException');
  await assert.rejects(kitSignIn(kit, { ...creds, clientSecret: 'wrong-secret' }), (e) => e.code === 'NotAuthorizedException');
});

test('an MFA user gets the next challenge after the kit\'s SRP proof', async () => {
  const done = await kitSignIn(kit, { endpoint: emulator.url, poolId, clientId: 'demopublicclient0000000001', username: 'carol@example.com', password: 'Passw0rd!' });
  assert.equal(done.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE');
});
