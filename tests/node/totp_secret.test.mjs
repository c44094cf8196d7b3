// A TOTP secret reaches the app and nowhere else: the package's CognitoAuth against the emulator's
// pool that requires MFA (tests/e2e-pools.json), where `setup-me` has no authenticator yet. The
// secret is read from the result, then the wasm's whole memory is searched for it (and for its
// otpauth URI): every copy the engine made — the reply, the step, the result's text — is zeroed.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, loadKit, totp } from './emulator.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let emulator;
let kit;
let memoryHolds;
before(async () => {
  [emulator, kit] = await Promise.all([startEmulator({ config: join(root, 'tests/e2e-pools.json') }), loadKit()]);
  // The Node entry shares this module and its one instance of the wasm.
  const { exports } = await import('../../pkg/cognito_kit.js');
  memoryHolds = (text) => Buffer.from(exports().memory.buffer).includes(Buffer.from(text));
});
after(() => emulator?.stop());

test('the TOTP secret of the sign-in step and of setUpTotp leaves no copy in the wasm', async () => {
  const auth = new kit.CognitoAuth({ userPoolId: 'us-east-1_MfaPool01', clientId: 'mfapublicclient00000000001', endpoint: emulator.url, storage: 'memory' });
  const step = await auth.signIn({ username: 'setup-me', password: 'Passw0rd!' });
  assert.equal(step.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP');
  const { sharedSecret, setupUri } = step.nextStep.totpSetupDetails;
  assert.match(sharedSecret, /^[A-Z2-7]{16,}$/);
  assert.ok(setupUri.includes(`secret=${sharedSecret}`), setupUri);
  assert.equal(memoryHolds(sharedSecret), false, 'the sign-in step\'s secret is zeroed in the wasm');

  // The secret works: the setup ends the sign-in.
  const done = await auth.confirmSignIn({ challengeResponse: totp(sharedSecret) });
  assert.equal(done.isSignedIn, true);

  // A second authenticator, set up while signed in.
  const again = await auth.setUpTotp();
  assert.match(again.sharedSecret, /^[A-Z2-7]{16,}$/);
  assert.notEqual(again.sharedSecret, sharedSecret);
  assert.equal(memoryHolds(again.sharedSecret), false, 'setUpTotp\'s secret is zeroed in the wasm');
  await auth.signOut();
});
