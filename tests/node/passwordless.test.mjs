// Choice-based sign-in (USER_AUTH) through the package in Node against the emulator's passwordless
// pool: codes by email, the first-factor selection, the password factors (PASSWORD sent, PASSWORD_SRP
// proven by the kit), passwordless sign-up with the sign-in right after confirmation, email MFA, the
// user's sign-in factors and passkey list. Every code is read from the emulator's outbox.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminClient, startEmulator, loadKit } from './emulator.mjs';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../../tools/package.json'));
const {
  CreateUserPoolCommand, CreateUserPoolClientCommand, AdminCreateUserCommand, AdminSetUserPasswordCommand,
} = require('@aws-sdk/client-cognito-identity-provider');

const poolId = 'us-east-1_Passless1';
const clientId = 'passlesspublicclient000001';
let emulator;
let kit;
before(async () => {
  [emulator, kit] = await Promise.all([startEmulator(), loadKit()]);
});
after(() => emulator?.stop());

const client = () => new kit.CognitoAuth({ userPoolId: poolId, clientId, endpoint: emulator.url, storage: 'memory' });
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));
const rejectsWith = (promise, code, pattern) =>
  assert.rejects(promise, (e) => {
    assert.ok(e instanceof kit.CognitoError, `a CognitoError, not ${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });

/** The newest code the emulator "sent" to `username`, of `kind` when given. */
async function outboxCode(username, kind) {
  const res = await fetch(`${emulator.url.replace(/\/$/, '')}/_emulator/outbox?poolId=${poolId}&username=${encodeURIComponent(username)}`);
  const messages = await res.json();
  const m = messages.find((x) => !kind || x.kind === kind);
  assert.ok(m, `a ${kind ?? ''} message for ${username} in ${JSON.stringify(messages)}`);
  return m.code;
}

let users = 0;
/** A new confirmed user with a password (or none), signed out. */
async function newUser({ password } = {}) {
  const username = `u${++users}-${Date.now()}@example.com`;
  const a = client();
  const up = await a.signUp({ username, ...(password ? { password } : {}), userAttributes: { email: username } });
  assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  await a.confirmSignUp({ username, confirmationCode: await outboxCode(username) });
  return username;
}

test('EMAIL_OTP preferred: the code is emailed, a wrong one keeps the step, the right one signs in', async () => {
  const username = await newUser({ password: 'Passw0rd!' });
  const a = client();
  const out = await a.signIn({ username, authFlow: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' });
  assert.equal(out.isSignedIn, false);
  assert.equal(out.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  assert.equal(out.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  const code = await outboxCode(username);
  const wrong = code === '000000' ? '111111' : '000000';
  await rejectsWith(a.confirmSignIn({ challengeResponse: wrong }), 'CodeMismatchException');
  const done = await a.confirmSignIn({ challengeResponse: code });
  assert.deepEqual(done, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  const session = await a.getSession();
  assert.equal(session.idTokenClaims.email, username);
  assert.equal(claimsOf(session.accessToken).token_use, 'access');
});

test('without a preferred factor the user chooses; PASSWORD_SRP asks for the password and the kit proves it', async () => {
  const username = await newUser({ password: 'Passw0rd!' });
  const a = client();
  const out = await a.signIn({ username, authFlow: 'USER_AUTH' });
  assert.equal(out.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
  assert.ok(out.nextStep.availableChallenges.includes('PASSWORD_SRP'), JSON.stringify(out));
  assert.ok(out.nextStep.availableChallenges.includes('EMAIL_OTP'), JSON.stringify(out));
  assert.ok(!out.nextStep.availableChallenges.includes('SMS_OTP'), JSON.stringify(out));
  // A factor that was not offered is refused, and the choice stays open.
  await rejectsWith(a.confirmSignIn({ challengeResponse: 'SMS_OTP' }), 'InvalidArgument', /not one of the offered first factors/);
  const asked = await a.confirmSignIn({ challengeResponse: 'PASSWORD_SRP' });
  assert.deepEqual(asked, { isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_PASSWORD' } });
  const done = await a.confirmSignIn({ challengeResponse: 'Passw0rd!' });
  assert.equal(done.nextStep.signInStep, 'DONE');
  assert.equal((await a.getSession()).idTokenClaims.email, username);
});

test('the chosen PASSWORD factor refuses a wrong password; EMAIL_OTP chosen sends the code', async () => {
  const username = await newUser({ password: 'Passw0rd!' });
  const a = client();
  await a.signIn({ username, authFlow: 'USER_AUTH' });
  await a.confirmSignIn({ challengeResponse: 'PASSWORD' });
  await rejectsWith(a.confirmSignIn({ challengeResponse: 'Passw0rd?' }), 'NotAuthorizedException');
  await a.signIn({ username, authFlow: 'USER_AUTH' });
  const out = await a.confirmSignIn({ challengeResponse: 'EMAIL_OTP' });
  assert.equal(out.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  const done = await a.confirmSignIn({ challengeResponse: await outboxCode(username) });
  assert.equal(done.nextStep.signInStep, 'DONE');
});

test('PASSWORD and PASSWORD_SRP preferred sign in at once; misused inputs are InvalidArgument', async () => {
  const username = await newUser({ password: 'Passw0rd!' });
  for (const preferredChallenge of ['PASSWORD', 'PASSWORD_SRP']) {
    const a = client();
    const out = await a.signIn({ username, password: 'Passw0rd!', authFlow: 'USER_AUTH', preferredChallenge });
    assert.equal(out.nextStep.signInStep, 'DONE', preferredChallenge);
    assert.equal((await a.getSession()).idTokenClaims.email, username);
  }
  const a = client();
  await rejectsWith(a.signIn({ username, authFlow: 'USER_AUTH', preferredChallenge: 'PASSWORD' }), 'InvalidArgument', /password is empty/);
  await rejectsWith(a.signIn({ username, password: 'Passw0rd!', authFlow: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' }),
    'InvalidArgument', /only with the first factor PASSWORD or PASSWORD_SRP/);
  await rejectsWith(a.signIn({ username, authFlow: 'USER_AUTH', preferredChallenge: 'TOTP' }), 'InvalidArgument', /unknown preferredChallenge/);
  await rejectsWith(a.signIn({ username, password: 'x', preferredChallenge: 'EMAIL_OTP' }), 'InvalidArgument', /goes with authFlow USER_AUTH/);
});

test('passwordless sign-up: confirmation, then autoSignIn signs in once without another factor', async () => {
  const username = `nopass-${Date.now()}@example.com`;
  const a = client();
  const up = await a.signUp({ username, userAttributes: { email: username } });
  assert.equal(up.isSignUpComplete, false);
  assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  await rejectsWith(a.autoSignIn(), 'InvalidState', /no sign-up was confirmed/);
  const confirmed = await a.confirmSignUp({ username, confirmationCode: await outboxCode(username) });
  assert.deepEqual(confirmed, { isSignUpComplete: true, nextStep: { signUpStep: 'COMPLETE_AUTO_SIGN_IN' } });
  const signedIn = await a.autoSignIn();
  assert.deepEqual(signedIn, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal((await a.getSession()).idTokenClaims.email, username);
  await rejectsWith(a.autoSignIn(), 'InvalidState', /no sign-up was confirmed/);

  const factors = await a.getUserAuthFactors();
  assert.equal(factors.username, claimsOf((await a.getSession()).accessToken).username);
  assert.ok(factors.configuredUserAuthFactors.includes('EMAIL_OTP'), JSON.stringify(factors));
  assert.ok(!factors.configuredUserAuthFactors.includes('PASSWORD'), JSON.stringify(factors));
  assert.deepEqual(factors.enabledMfa, []);
  assert.deepEqual(await a.listWebAuthnCredentials(), { credentials: [] });
  // Node has no WebAuthn: a typed error, not a crash (tests/node/passkeys_kit.test.mjs does it in Chromium).
  await rejectsWith(a.associateWebAuthnCredential(), 'PasskeyNotSupported', /no WebAuthn/);
  await rejectsWith(a.deleteWebAuthnCredential({ credentialId: 'AAAA' }), 'ResourceNotFoundException');
  await rejectsWith(a.deleteWebAuthnCredential({}), 'InvalidArgument', /credentialId/);

  // A user without a password has no password factor to choose.
  await a.signOut();
  const out = await a.signIn({ username, authFlow: 'USER_AUTH' });
  assert.ok(!out.nextStep.availableChallenges?.includes('PASSWORD'), JSON.stringify(out));
});

test('email MFA: set as preferred, then a password sign-in asks for the emailed code', async () => {
  const username = await newUser({ password: 'Passw0rd!' });
  const a = client();
  await a.signIn({ username, password: 'Passw0rd!' });
  await a.setMfaPreference({ email: 'PREFERRED' });
  const factors = await a.getUserAuthFactors();
  assert.equal(factors.preferredMfa, 'EMAIL');
  assert.deepEqual(factors.enabledMfa, ['EMAIL']);
  await a.signOut();
  const out = await a.signIn({ username, password: 'Passw0rd!' });
  assert.equal(out.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  const done = await a.confirmSignIn({ challengeResponse: await outboxCode(username) });
  assert.equal(done.nextStep.signInStep, 'DONE');
});

test('SMS_OTP: a texted code for a user with a verified phone, a wrong one first', async () => {
  const sdk = adminClient(emulator);
  try {
    const pool = await sdk.send(new CreateUserPoolCommand({
      PoolName: 'kit-sms', UserPoolTier: 'ESSENTIALS',
      Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'SMS_OTP'] } },
      SmsConfiguration: { SnsCallerArn: 'arn:aws:iam::123456789012:role/sms', ExternalId: 'x' },
    }));
    const smsPool = pool.UserPool.Id;
    const web = await sdk.send(new CreateUserPoolClientCommand({ UserPoolId: smsPool, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
    await sdk.send(new AdminCreateUserCommand({
      UserPoolId: smsPool, Username: 'sam', MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'phone_number', Value: '+15555550123' }, { Name: 'phone_number_verified', Value: 'true' }],
    }));
    await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: smsPool, Username: 'sam', Password: 'Passw0rd!', Permanent: true }));
    const a = new kit.CognitoAuth({ userPoolId: smsPool, clientId: web.UserPoolClient.ClientId, endpoint: emulator.url, storage: 'memory' });
    const out = await a.signIn({ username: 'sam', authFlow: 'USER_AUTH', preferredChallenge: 'SMS_OTP' });
    assert.equal(out.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
    assert.equal(out.nextStep.codeDeliveryDetails.deliveryMedium, 'SMS');
    assert.equal(out.nextStep.codeDeliveryDetails.destination, '+*******0123');
    const res = await fetch(`${emulator.url.replace(/\/$/, '')}/_emulator/outbox?poolId=${smsPool}&username=sam`);
    const code = (await res.json()).find((m) => m.kind === 'SMS_OTP').code;
    await rejectsWith(a.confirmSignIn({ challengeResponse: code === '000000' ? '111111' : '000000' }), 'CodeMismatchException');
    const done = await a.confirmSignIn({ challengeResponse: code });
    assert.equal(done.nextStep.signInStep, 'DONE');
    assert.equal((await a.getSession()).idTokenClaims.phone_number, '+15555550123');
  } finally {
    sdk.destroy();
  }
});

// Last in this file: it moves the emulator's clock on.
test('an emailed code answered after the sign-in session expired is refused, nothing is left waiting, and a new sign-in works', async () => {
  const username = await newUser({ password: 'Passw0rd!' });
  const a = client();
  const out = await a.signIn({ username, authFlow: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' });
  assert.equal(out.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  const stale = await outboxCode(username);
  // The client's sign-in session lasts 3 minutes (AuthSessionValidity's default).
  const moved = await fetch(`${emulator.url.replace(/\/$/, '')}/_emulator/clock`, {
    method: 'POST', body: JSON.stringify({ advanceSeconds: 181 }),
  });
  assert.equal(moved.status, 200);
  await rejectsWith(a.confirmSignIn({ challengeResponse: stale }), 'NotAuthorizedException', /expired/);
  // The step is over: another answer is the kit's misuse error, not a request to the service.
  await rejectsWith(a.confirmSignIn({ challengeResponse: stale }), 'InvalidState');
  await assert.rejects(a.getSession());
  // A new sign-in sends a new code, and that one signs in.
  const again = await a.signIn({ username, authFlow: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' });
  assert.equal(again.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  const fresh = await outboxCode(username);
  const done = await a.confirmSignIn({ challengeResponse: fresh });
  assert.equal(done.nextStep.signInStep, 'DONE');
  assert.equal((await a.getSession()).idTokenClaims.email, username);
});
