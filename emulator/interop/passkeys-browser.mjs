// Passkeys in a real browser, through Amplify v6's own APIs: headless Chromium with the DevTools
// protocol's virtual authenticator (CTAP2, platform, resident keys, user verification) on a page
// served from http://localhost:PORT (relying party ID `localhost`), an esbuild browser bundle of
// aws-amplify built at test time, and the emulator as Amplify's userPoolEndpoint. The page signs
// up and in (an emailed code), registers a passkey (associateWebAuthnCredential), lists it, signs
// out, signs in with it (USER_AUTH, WEB_AUTHN), deletes it, and is then refused with it.
// Run from the repository root:  node emulator/interop/passkeys-browser.mjs
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from './start-emulator.mjs';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const toolsDir = fileURLToPath(new URL('../../tools/', import.meta.url));
const require = createRequire(join(toolsDir, 'package.json'));
const {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, SetUserPoolMfaConfigCommand,
  AdminGetUserCommand,
} = require('@aws-sdk/client-cognito-identity-provider');
const { JwtRsaVerifier } = require('aws-jwt-verify');
const { chromium } = require('playwright-core');
const esbuild = require('esbuild');

const emulatorBin = process.env.EMULATOR_BIN
  || fileURLToPath(new URL('../../target/debug/cognito-kit-emulator', import.meta.url));
const EMAIL = 'pia@example.com';
const PASSWORD = 'Passw0rd!';
// A stuck browser fails the suite instead of holding make test.
const LIMIT = { timeout: 60_000 };

let emulator;
let endpoint;
let sdk;
let site;
let browser;
let page;
let workDir;
const ctx = {};

async function latestCode(kind) {
  const response = await fetch(`${endpoint}/_emulator/outbox?poolId=${encodeURIComponent(ctx.poolId)}&username=${encodeURIComponent(EMAIL)}`);
  assert.equal(response.status, 200);
  const message = (await response.json()).find((m) => m.kind === kind);
  assert.ok(message, `a ${kind} message in the outbox`);
  return message.code;
}

// The page's side: Amplify v6, bundled for the browser. (The one step Amplify does not expose, an
// assertion for a challenge fetched before the passkey was deleted, is made with raw calls.)
const PAGE_ENTRY = `
import { Amplify } from 'aws-amplify';
import * as auth from 'aws-amplify/auth';
window.kit = { Amplify, auth };
window.kitReady = true;
`;

// The page is served from localhost (a secure context, as WebAuthn requires); listening on the
// loopback address Chromium resolves localhost to.
async function serve(dir) {
  const files = { '/': ['index.html', 'text/html'], '/app.js': ['app.js', 'text/javascript'] };
  const server = createServer(async (req, res) => {
    const file = files[new URL(req.url, 'http://x').pathname];
    if (!file) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': file[1] }).end(await readFile(join(dir, file[0])));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://localhost:${server.address().port}` };
}

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'passkeys-browser-'));
  const [started] = await Promise.all([
    startEmulator(emulatorBin),
    esbuild.build({
      stdin: { contents: PAGE_ENTRY, resolveDir: toolsDir, loader: 'js' },
      bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: join(workDir, 'app.js'), logLevel: 'silent',
    }),
  ]);
  ({ child: emulator, url: endpoint } = started);
  await writeFile(join(workDir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>passkeys</title><script type="module" src="/app.js"></script>');
  site = await serve(workDir);

  sdk = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const created = await sdk.send(new CreateUserPoolCommand({
    PoolName: 'passkeys', UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'], UserPoolTier: 'ESSENTIALS',
    Policies: {
      PasswordPolicy: { MinimumLength: 8, RequireUppercase: false, RequireLowercase: false, RequireNumbers: false, RequireSymbols: false },
      SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'] },
    },
  }));
  ctx.poolId = created.UserPool.Id;
  await sdk.send(new SetUserPoolMfaConfigCommand({
    UserPoolId: ctx.poolId, MfaConfiguration: 'OFF', WebAuthnConfiguration: { RelyingPartyId: 'localhost', UserVerification: 'required' },
  }));
  const client = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.poolId, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  ctx.clientId = client.UserPoolClient.ClientId;

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  ctx.pageErrors = [];
  page.on('pageerror', (e) => ctx.pageErrors.push(e.message));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  ctx.cdp = cdp;
  ctx.authenticatorId = authenticatorId;
  await page.goto(`${site.url}/`);
  await page.waitForFunction(() => window.kitReady === true, null, { timeout: 20_000 });
  await page.evaluate(({ poolId, clientId, endpoint: userPoolEndpoint }) => {
    window.kit.Amplify.configure({ Auth: { Cognito: { userPoolId: poolId, userPoolClientId: clientId, userPoolEndpoint } } });
  }, { poolId: ctx.poolId, clientId: ctx.clientId, endpoint });
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  site?.server.close();
  sdk?.destroy();
  emulator?.kill('SIGTERM');
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

// Runs `fn(auth, arg)` in the page; an error comes back as `{ error: name, message }`.
function inPage(fn, arg) {
  return page.evaluate(async ({ source, arg: input }) => {
    const run = new Function('auth', 'arg', `return (${source})(auth, arg);`);
    try {
      return await run(window.kit.auth, input);
    } catch (e) {
      return { error: e.name, message: e.message };
    }
  }, { source: fn.toString(), arg });
}

async function verifiedIdToken(idToken) {
  const issuer = `${endpoint}/${ctx.poolId}`;
  const verifier = JwtRsaVerifier.create({ issuer, audience: ctx.clientId, jwksUri: `${issuer}/.well-known/jwks.json` });
  // aws-jwt-verify only fetches over https: hand it the emulator's JWKS.
  verifier.cacheJwks(await (await fetch(`${issuer}/.well-known/jwks.json`)).json());
  return verifier.verify(idToken);
}

test('Amplify v6 in Chromium: sign up and in by an emailed code, register a passkey and list it', LIMIT, async () => {
  const signedUp = await inPage((auth, a) => auth.signUp({ username: a.email, password: a.password, options: { userAttributes: { email: a.email } } }),
    { email: EMAIL, password: PASSWORD });
  assert.equal(signedUp.error, undefined, signedUp.message);
  assert.equal(signedUp.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  ctx.sub = signedUp.userId;
  const confirmed = await inPage((auth, a) => auth.confirmSignUp({ username: a.email, confirmationCode: a.code }),
    { email: EMAIL, code: await latestCode('SIGN_UP') });
  assert.equal(confirmed.isSignUpComplete, true, confirmed.message);

  const started = await inPage((auth, email) => auth.signIn({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } }), EMAIL);
  assert.equal(started.nextStep?.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE', started.message);
  const done = await inPage((auth, code) => auth.confirmSignIn({ challengeResponse: code }), await latestCode('EMAIL_OTP'));
  assert.equal(done.isSignedIn, true, done.message);

  // No passkey yet.
  const before = await inPage((auth) => auth.listWebAuthnCredentials());
  assert.deepEqual(before.credentials, []);

  const registered = await inPage((auth) => auth.associateWebAuthnCredential().then(() => 'ok'));
  assert.equal(registered, 'ok', JSON.stringify(registered));
  const { credentials: onAuthenticator } = await ctx.cdp.send('WebAuthn.getCredentials', { authenticatorId: ctx.authenticatorId });
  assert.equal(onAuthenticator.length, 1, 'the virtual authenticator holds one credential');
  assert.equal(onAuthenticator[0].rpId, 'localhost');
  assert.equal(onAuthenticator[0].isResidentCredential, true);

  const listed = await inPage((auth) => auth.listWebAuthnCredentials().then((r) => ({
    credentials: r.credentials.map((c) => ({ ...c, createdAt: c.createdAt instanceof Date ? c.createdAt.getTime() : c.createdAt })),
    nextToken: r.nextToken,
  })));
  assert.equal(listed.credentials.length, 1, JSON.stringify(listed));
  const [credential] = listed.credentials;
  // The authenticator's credential id (base64) is the one the relying party stored (base64url).
  assert.equal(credential.credentialId, Buffer.from(onAuthenticator[0].credentialId, 'base64').toString('base64url'));
  assert.equal(credential.relyingPartyId, 'localhost');
  assert.equal(credential.authenticatorAttachment, 'platform');
  assert.deepEqual(credential.authenticatorTransports, ['internal']);
  assert.ok(Math.abs(credential.createdAt - Date.now()) < 120_000, 'createdAt is now (epoch seconds times 1000)');
  ctx.credentialId = credential.credentialId;

  // A second registration of the same authenticator is excluded by the browser itself
  // (excludeCredentials lists the passkey), and the relying party still has one.
  const again = await inPage((auth) => auth.associateWebAuthnCredential().then(() => 'ok'));
  assert.equal(again.error, 'PasskeyAlreadyExists', JSON.stringify(again));
  const stillOne = await inPage((auth) => auth.listWebAuthnCredentials().then((r) => r.credentials.length));
  assert.equal(stillOne, 1);
  assert.equal((await inPage((auth) => auth.signOut().then(() => 'out'))), 'out');
});

test('Amplify v6 in Chromium: signing in with the passkey (USER_AUTH, WEB_AUTHN) gives verified tokens', LIMIT, async () => {
  const signCountBefore = (await ctx.cdp.send('WebAuthn.getCredentials', { authenticatorId: ctx.authenticatorId })).credentials[0].signCount;
  const choice = await inPage((auth, email) => auth.signIn({ username: email, options: { authFlowType: 'USER_AUTH' } }), EMAIL);
  assert.equal(choice.nextStep?.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION', choice.message);
  assert.deepEqual(choice.nextStep.availableChallenges, ['WEB_AUTHN', 'EMAIL_OTP', 'PASSWORD', 'PASSWORD_SRP']);
  await inPage((auth) => auth.signOut());

  const signedIn = await inPage((auth, email) => auth.signIn({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' } }), EMAIL);
  assert.deepEqual(signedIn, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  const session = await inPage((auth) => auth.fetchAuthSession().then((s) => ({ idToken: s.tokens.idToken.toString(), accessToken: s.tokens.accessToken.toString() })));
  const claims = await verifiedIdToken(session.idToken);
  assert.equal(claims.sub, ctx.sub);
  assert.equal(claims.email, EMAIL);
  const current = await inPage((auth) => auth.getCurrentUser());
  assert.equal(current.userId, ctx.sub);
  const signCountAfter = (await ctx.cdp.send('WebAuthn.getCredentials', { authenticatorId: ctx.authenticatorId })).credentials[0].signCount;
  assert.ok(signCountAfter > signCountBefore, 'the authenticator signed (its counter moved)');

  // The choice, answered with WEB_AUTHN through confirmSignIn, also signs in.
  await inPage((auth) => auth.signOut());
  const chosen = await inPage(async (auth, email) => {
    const first = await auth.signIn({ username: email, options: { authFlowType: 'USER_AUTH' } });
    if (first.nextStep.signInStep !== 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION') return first;
    return auth.confirmSignIn({ challengeResponse: 'WEB_AUTHN' });
  }, EMAIL);
  assert.deepEqual(chosen, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: ctx.poolId, Username: EMAIL }));
  assert.equal(user.UserStatus, 'CONFIRMED');
});

test('Amplify v6 in Chromium: after deleteWebAuthnCredential the passkey signs in no more', LIMIT, async () => {
  // A WEB_AUTHN challenge fetched while the passkey still exists (raw InitiateAuth from the page).
  const pending = await page.evaluate(async ({ endpoint: url, clientId, email }) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: JSON.stringify({ AuthFlow: 'USER_AUTH', ClientId: clientId, AuthParameters: { USERNAME: email, PREFERRED_CHALLENGE: 'WEB_AUTHN' } }),
    });
    return response.json();
  }, { endpoint, clientId: ctx.clientId, email: EMAIL });
  assert.equal(pending.ChallengeName, 'WEB_AUTHN');

  const deleted = await inPage((auth, credentialId) => auth.deleteWebAuthnCredential({ credentialId }).then(() => 'deleted'), ctx.credentialId);
  assert.equal(deleted, 'deleted', JSON.stringify(deleted));
  assert.deepEqual(await inPage((auth) => auth.listWebAuthnCredentials().then((r) => r.credentials)), []);
  const again = await inPage((auth, credentialId) => auth.deleteWebAuthnCredential({ credentialId }), ctx.credentialId);
  assert.equal(again.error, 'ResourceNotFoundException');
  await inPage((auth) => auth.signOut());

  // The authenticator still holds the key and signs the pending challenge: the relying party refuses.
  const refused = await page.evaluate(async ({ endpoint: url, clientId, email, challenge }) => {
    const options = JSON.parse(challenge.ChallengeParameters.CREDENTIAL_REQUEST_OPTIONS);
    const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const enc = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const assertion = await navigator.credentials.get({ publicKey: {
      ...options, challenge: b64(options.challenge), allowCredentials: options.allowCredentials.map((c) => ({ ...c, id: b64(c.id) })),
    } });
    const credential = {
      id: assertion.id, rawId: enc(assertion.rawId), type: assertion.type, clientExtensionResults: {},
      response: {
        clientDataJSON: enc(assertion.response.clientDataJSON), authenticatorData: enc(assertion.response.authenticatorData),
        signature: enc(assertion.response.signature), userHandle: assertion.response.userHandle ? enc(assertion.response.userHandle) : undefined,
      },
    };
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.RespondToAuthChallenge' },
      body: JSON.stringify({ ClientId: clientId, ChallengeName: 'WEB_AUTHN', Session: challenge.Session, ChallengeResponses: { USERNAME: email, CREDENTIAL: JSON.stringify(credential) } }),
    });
    return { status: response.status, body: await response.json() };
  }, { endpoint, clientId: ctx.clientId, email: EMAIL, challenge: pending });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.__type, 'NotAuthorizedException');

  // WEB_AUTHN is no longer offered: preferring it falls back to the choice, without it.
  const choice = await inPage((auth, email) => auth.signIn({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' } }), EMAIL);
  assert.equal(choice.nextStep?.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION', JSON.stringify(choice));
  assert.deepEqual(choice.nextStep.availableChallenges, ['EMAIL_OTP', 'PASSWORD', 'PASSWORD_SRP']);
  const picked = await inPage((auth) => auth.confirmSignIn({ challengeResponse: 'WEB_AUTHN' }));
  assert.equal(picked.error, 'InvalidParameterException', `choosing WEB_AUTHN is refused: ${JSON.stringify(picked)}`);
  assert.deepEqual(ctx.pageErrors, []);
});
