// Passkeys through the package in a real browser: headless Chromium with the DevTools protocol's
// virtual authenticator (CTAP2, platform, resident keys, user verification), the package served
// from http://localhost:PORT (relying party `localhost`) and the emulator as the user pool. The kit
// registers a passkey (associateWebAuthnCredential), lists it, signs in with it — preferred, and
// chosen at the first-factor selection — goes on with an emailed code after the user declines,
// refuses a second registration on the same authenticator, and deletes it. The same page also
// signs in with a texted code and with email MFA, so codes are proven in a browser as well as Node.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminClient, inPage as run, launchChromium, serveFiles, startEmulator } from './emulator.mjs';

const inPage = (fn, arg) => run(page, fn, arg);

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(root, 'tools/package.json'));
const {
  CreateUserPoolCommand, CreateUserPoolClientCommand, SetUserPoolMfaConfigCommand, AdminCreateUserCommand,
  AdminSetUserPasswordCommand, AdminSetUserMFAPreferenceCommand,
} = require('@aws-sdk/client-cognito-identity-provider');

const EMAIL = 'kit-passkey@example.com';
let emulator, server, browser, page, cdp, authenticatorId, sdk;
const ctx = {};

async function outboxCode() {
  const res = await fetch(`${emulator.url.replace(/\/$/, '')}/_emulator/outbox?poolId=${ctx.poolId}&username=${encodeURIComponent(EMAIL)}`);
  const [latest] = await res.json();
  assert.ok(latest?.code, 'a code in the outbox');
  return latest.code;
}

const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;

before(async () => {
  emulator = await startEmulator();
  sdk = adminClient(emulator);
  const created = await sdk.send(new CreateUserPoolCommand({
    PoolName: 'kit-passkeys', UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'], UserPoolTier: 'ESSENTIALS',
    Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'] } },
  }));
  ctx.poolId = created.UserPool.Id;
  await sdk.send(new SetUserPoolMfaConfigCommand({
    UserPoolId: ctx.poolId, MfaConfiguration: 'OFF', WebAuthnConfiguration: { RelyingPartyId: 'localhost', UserVerification: 'required' },
  }));
  const client = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.poolId, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  ctx.clientId = client.UserPoolClient.ClientId;

  const index = `<!doctype html><meta charset="utf-8"><title>kit passkeys</title><script type="module">
    import * as kit from './index.js';
    window.kit = kit;
    window.auth = new kit.CognitoAuth(${JSON.stringify({ userPoolId: ctx.poolId, clientId: ctx.clientId, endpoint: emulator.url, storage: 'session' })});
    window.ready = true;
  </script>`;
  server = await serveFiles(join(root, 'pkg'), { '/': index });
  browser = await launchChromium();
  page = await browser.newPage();
  cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  }));
  // localhost, not 127.0.0.1: the relying party id must be the page's host.
  await page.goto(server.url.replace('127.0.0.1', 'localhost'));
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20_000 });
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  server?.close();
  sdk?.destroy();
  emulator?.stop();
});

test('a passwordless user registers a passkey from the page, and the list shows it', { timeout: 60_000 }, async () => {
  const up = await inPage((auth, email) => auth.signUp({ username: email, userAttributes: { email } }), EMAIL);
  assert.equal(up.nextStep?.signUpStep, 'CONFIRM_SIGN_UP', JSON.stringify(up));
  const confirmed = await inPage((auth, a) => auth.confirmSignUp(a), { username: EMAIL, confirmationCode: await outboxCode() });
  assert.equal(confirmed.nextStep.signUpStep, 'COMPLETE_AUTO_SIGN_IN');
  assert.equal((await inPage((auth) => auth.autoSignIn())).isSignedIn, true);

  assert.deepEqual(await inPage((auth) => auth.associateWebAuthnCredential()), undefined);
  const onAuthenticator = await credentials();
  assert.equal(onAuthenticator.length, 1);
  assert.equal(onAuthenticator[0].rpId, 'localhost');
  const listed = await inPage(async (auth) => {
    const page = await auth.listWebAuthnCredentials();
    return page.credentials.map((c) => ({ ...c, createdAt: c.createdAt instanceof Date ? c.createdAt.getTime() : 'not a Date' }));
  });
  assert.equal(listed.length, 1);
  // The authenticator's id is base64 (standard alphabet); the service's is base64url.
  assert.equal(listed[0].credentialId, Buffer.from(onAuthenticator[0].credentialId, 'base64').toString('base64url'));
  assert.equal(listed[0].relyingPartyId, 'localhost');
  assert.ok(Math.abs(listed[0].createdAt - Date.now()) < 120_000, `createdAt ${listed[0].createdAt}`);
  ctx.credentialId = listed[0].credentialId;
  const factors = await inPage((auth) => auth.getUserAuthFactors());
  assert.ok(factors.configuredUserAuthFactors.includes('WEB_AUTHN'), JSON.stringify(factors));

  // The same authenticator cannot hold a second passkey for the user (the service excludes it).
  const again = await inPage((auth) => auth.associateWebAuthnCredential());
  assert.equal(again.error, 'PasskeyAlreadyExists', JSON.stringify(again));
  assert.equal(again.isCognitoError, true);
  assert.equal((await credentials()).length, 1);
});

test('the kit signs in with the passkey, preferred or chosen; the sign counter moves', { timeout: 60_000 }, async () => {
  await inPage((auth) => auth.signOut());
  const before = (await credentials())[0].signCount;
  const preferred = await inPage((auth, username) => auth.signIn({ username, authFlow: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' }), EMAIL);
  assert.deepEqual(preferred, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  const session = await inPage((auth) => auth.getSession());
  assert.equal(session.idTokenClaims.email, EMAIL);
  assert.ok((await credentials())[0].signCount > before, 'the authenticator signed');

  await inPage((auth) => auth.signOut());
  const choice = await inPage((auth, username) => auth.signIn({ username, authFlow: 'USER_AUTH' }), EMAIL);
  assert.equal(choice.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
  assert.ok(choice.nextStep.availableChallenges.includes('WEB_AUTHN'), JSON.stringify(choice));
  const done = await inPage((auth) => auth.confirmSignIn({ challengeResponse: 'WEB_AUTHN' }));
  assert.deepEqual(done, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
});

test('a user who declines the passkey gets PasskeyCanceled and goes on with an emailed code', { timeout: 60_000 }, async () => {
  await inPage((auth) => auth.signOut());
  // Without user verification, which the pool requires, the authenticator refuses: the
  // browser reports it as NotAllowedError, exactly as when the user cancels the prompt.
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
  try {
    const declined = await inPage((auth, username) => auth.signIn({ username, authFlow: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' }), EMAIL);
    assert.equal(declined.error, 'PasskeyCanceled', JSON.stringify(declined));
    assert.equal(declined.isCognitoError, true);
    const next = await inPage((auth) => auth.confirmSignIn({ challengeResponse: 'EMAIL_OTP' }));
    assert.equal(next.nextStep?.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE', JSON.stringify(next));
    const done = await inPage((auth, code) => auth.confirmSignIn({ challengeResponse: code }), await outboxCode());
    assert.equal(done.nextStep?.signInStep, 'DONE', JSON.stringify(done));
  } finally {
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
  }
});

test('a deleted passkey is no longer offered and cannot be deleted twice', { timeout: 60_000 }, async () => {
  assert.equal(await inPage((auth, credentialId) => auth.deleteWebAuthnCredential({ credentialId }), ctx.credentialId), undefined);
  assert.deepEqual(await inPage((auth) => auth.listWebAuthnCredentials()), { credentials: [] });
  const twice = await inPage((auth, credentialId) => auth.deleteWebAuthnCredential({ credentialId }), ctx.credentialId);
  assert.equal(twice.error, 'ResourceNotFoundException', JSON.stringify(twice));
  await inPage((auth) => auth.signOut());
  const out = await inPage((auth, username) => auth.signIn({ username, authFlow: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' }), EMAIL);
  assert.equal(out.nextStep?.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION', JSON.stringify(out));
  assert.ok(!out.nextStep.availableChallenges.includes('WEB_AUTHN'), JSON.stringify(out));
});

test('in the browser too: a texted code (a wrong one first) and email MFA after the password', { timeout: 60_000 }, async () => {
  const pool = (await sdk.send(new CreateUserPoolCommand({
    PoolName: 'kit-codes', UsernameAttributes: ['email'], UserPoolTier: 'ESSENTIALS',
    Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'SMS_OTP'] } },
    EmailConfiguration: { EmailSendingAccount: 'DEVELOPER', SourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com', From: 'no-reply@example.com' },
    SmsConfiguration: { SnsCallerArn: 'arn:aws:iam::123456789012:role/sms', ExternalId: 'x' },
  }))).UserPool.Id;
  await sdk.send(new SetUserPoolMfaConfigCommand({
    UserPoolId: pool, MfaConfiguration: 'OPTIONAL', EmailMfaConfiguration: { Message: 'Your code is {####}', Subject: 'Your code' },
  }));
  const clientId = (await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: pool, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }))).UserPoolClient.ClientId;
  for (const [email, phone] of [['sam@example.com', '+15555550123'], ['mia@example.com', null]]) {
    const UserAttributes = [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }];
    if (phone) UserAttributes.push({ Name: 'phone_number', Value: phone }, { Name: 'phone_number_verified', Value: 'true' });
    await sdk.send(new AdminCreateUserCommand({ UserPoolId: pool, Username: email, MessageAction: 'SUPPRESS', UserAttributes }));
    await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: pool, Username: email, Password: 'Passw0rd!', Permanent: true }));
  }
  await sdk.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: pool, Username: 'mia@example.com', EmailMfaSettings: { Enabled: true, PreferredMfa: true } }));
  const code = async (username, kind) => {
    const res = await fetch(`${emulator.url.replace(/\/$/, '')}/_emulator/outbox?poolId=${pool}&username=${encodeURIComponent(username)}`);
    return (await res.json()).find((m) => m.kind === kind).code;
  };
  // The page's client for this pool.
  await page.evaluate((options) => { window.auth = new window.kit.CognitoAuth(options); }, { userPoolId: pool, clientId, endpoint: emulator.url, storage: 'session' });

  const texted = await inPage((auth) => auth.signIn({ username: 'sam@example.com', authFlow: 'USER_AUTH', preferredChallenge: 'SMS_OTP' }));
  assert.equal(texted.nextStep?.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE', JSON.stringify(texted));
  const sms = await code('sam@example.com', 'SMS_OTP');
  const wrong = await inPage((auth, c) => auth.confirmSignIn({ challengeResponse: c }), sms === '000000' ? '111111' : '000000');
  assert.equal(wrong.error, 'CodeMismatchException', JSON.stringify(wrong));
  assert.equal((await inPage((auth, c) => auth.confirmSignIn({ challengeResponse: c }), sms)).nextStep.signInStep, 'DONE');
  assert.equal((await inPage((auth) => auth.getSession())).idTokenClaims.phone_number, '+15555550123');
  await inPage((auth) => auth.signOut());

  const mfa = await inPage((auth) => auth.signIn({ username: 'mia@example.com', password: 'Passw0rd!' }));
  assert.equal(mfa.nextStep?.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE', JSON.stringify(mfa));
  assert.equal(mfa.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  const emailed = await code('mia@example.com', 'EMAIL_OTP');
  assert.equal((await inPage((auth, c) => auth.confirmSignIn({ challengeResponse: c }), emailed)).nextStep.signInStep, 'DONE');
  assert.equal((await inPage((auth) => auth.getSession())).idTokenClaims.email, 'mia@example.com');
});
