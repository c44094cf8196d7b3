// Sign-in with a redirect through the package in a real browser: one headless Chromium, an app
// page on http://localhost:PORT using the package's signInWithRedirect / handleRedirect, and the
// emulator's pool domain (managed login, /oauth2/token, /oauth2/userInfo, /logout). The tokens
// the redirect brings are refreshed and used like any sign-in's; a tampered state, a replayed code
// and an `error` on the callback end in typed errors and leave nothing stored.
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
  CreateUserPoolCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand,
  AdminCreateUserCommand, AdminSetUserPasswordCommand,
} = require('@aws-sdk/client-cognito-identity-provider');

const USERNAME = 'rita@example.com';
const PASSWORD = 'Passw0rd!';
const LIMIT = { timeout: 60_000 };
let emulator, server, browser, page, sdk, app;
const ctx = {};

/** Loads an app page and waits for its CognitoAuth. */
async function open(url) {
  await page.goto(url);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20_000 });
}

/** Starts signInWithRedirect on the app page and waits for the managed login's form. */
async function toLogin(input = {}) {
  await open(`${app}/`);
  await Promise.all([page.waitForURL(/\/login\?/, LIMIT), inPage((auth, i) => auth.signInWithRedirect(i), input)]);
}

async function submit(username, password) {
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForLoadState('load'), page.click('[type=submit]')]);
}

const storedKeys = () => page.evaluate(() => ({
  local: Object.keys(localStorage).filter((k) => k.startsWith('cognito-kit.')),
  session: Object.keys(sessionStorage).filter((k) => k.startsWith('cognito-kit.')),
}));

before(async () => {
  emulator = await startEmulator();
  const endpoint = emulator.url.replace(/\/$/, '');
  sdk = adminClient(emulator);
  const pool = await sdk.send(new CreateUserPoolCommand({ PoolName: 'kit-redirect', UsernameAttributes: ['email'] }));
  ctx.poolId = pool.UserPool.Id;
  await sdk.send(new CreateUserPoolDomainCommand({ UserPoolId: ctx.poolId, Domain: 'kit-redirect' }));
  await sdk.send(new AdminCreateUserCommand({
    UserPoolId: ctx.poolId, Username: USERNAME, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: USERNAME }, { Name: 'email_verified', Value: 'true' }],
  }));
  await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: ctx.poolId, Username: USERNAME, Password: PASSWORD, Permanent: true }));

  // The app's page; the callback and sign-out pages are the same page.
  const index = () => `<!doctype html><meta charset="utf-8"><title>kit redirect</title><script type="module">
    import * as kit from './index.js';
    window.kit = kit;
    window.auth = new kit.CognitoAuth(${JSON.stringify(ctx.options)});
    window.ready = true;
  </script>`;
  server = await serveFiles(join(root, 'pkg'), { '/': index, '/cb': index, '/bye': index });
  app = server.url.replace('127.0.0.1', 'localhost').replace(/\/$/, '');
  const web = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.poolId, ClientName: 'web', CallbackURLs: [`${app}/cb`], LogoutURLs: [`${app}/bye`],
    AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true, SupportedIdentityProviders: ['COGNITO'],
    AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
  }));
  ctx.options = {
    userPoolId: ctx.poolId, clientId: web.UserPoolClient.ClientId, endpoint: emulator.url,
    oauth: {
      domain: `${endpoint}/domains/kit-redirect`, redirectSignIn: `${app}/cb`, redirectSignOut: `${app}/bye`,
      scopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
    },
  };
  browser = await launchChromium();
  page = await browser.newPage();
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  server?.close();
  sdk?.destroy();
  emulator?.stop();
});

test('the managed login refuses a wrong password, then the callback signs the kit in', LIMIT, async () => {
  await toLogin({ customState: 'back-to=/orders' });
  const authorize = new URL(page.url());
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.match(authorize.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);

  await submit(USERNAME, 'wrong-password');
  assert.match(await page.content(), /Incorrect username or password/);
  await Promise.all([page.waitForURL(/\/cb\?/, LIMIT), submit(USERNAME, PASSWORD)]);
  ctx.callback = page.url();
  assert.ok(new URL(ctx.callback).searchParams.get('code'));
  await page.waitForFunction(() => window.ready === true);
  // The tab kept the verifier, state and nonce across the navigation, in session storage only.
  assert.deepEqual(await storedKeys(), { local: [], session: [`cognito-kit.${ctx.poolId}.${ctx.options.clientId}.oauth`] });

  const handled = await inPage((auth) => auth.handleRedirect());
  assert.deepEqual(handled, { isSignedIn: true, customState: 'back-to=/orders' });
  assert.equal(new URL(page.url()).search, '', 'the code left the address bar');
  assert.deepEqual((await storedKeys()).session, [], 'the redirect state serves once');

  const session = await inPage((auth) => auth.getSession());
  assert.equal(session.idTokenClaims.email, USERNAME);
  assert.equal(session.idTokenClaims.aud, ctx.options.clientId);
  const info = await inPage((auth) => auth.getUserInfo());
  assert.equal(info.email, USERNAME);
  assert.equal(info.sub, session.idTokenClaims.sub);
  // The redirect's tokens work with the API and refresh like any sign-in's.
  const user = await inPage((auth) => auth.getUser());
  assert.equal(user.attributes.email, USERNAME);
  const refreshed = await inPage((auth) => auth.refreshSession());
  assert.equal(refreshed.username, session.username);
  assert.notEqual(refreshed.accessToken, session.accessToken);
});

test('a replayed callback, a replayed code and a tampered state are refused and store nothing', LIMIT, async () => {
  // The same callback again (a reload, the back button): the tab's record was used up.
  await open(ctx.callback);
  const again = await inPage((auth) => auth.handleRedirect());
  assert.equal(again.error, 'InvalidState', JSON.stringify(again));
  assert.equal(again.isCognitoError, true);
  await inPage((auth) => auth.signOut());

  // The domain's session signs the browser in at once: a fresh code and state.
  await open(`${app}/`);
  await Promise.all([page.waitForURL(/\/cb\?/, LIMIT), inPage((auth) => auth.signInWithRedirect())]);
  const callback = page.url();
  await page.waitForFunction(() => window.ready === true);
  const record = await page.evaluate(() => Object.entries(sessionStorage).find(([k]) => k.endsWith('.oauth')));
  assert.equal((await inPage((auth) => auth.handleRedirect())).isSignedIn, true);
  await inPage((auth) => auth.signOut());
  // The record put back by hand: the client that took it once knows it...
  await page.evaluate(([k, v]) => sessionStorage.setItem(k, v), record);
  const retaken = await inPage((auth, url) => auth.handleRedirect({ url }), callback);
  assert.equal(retaken.error, 'InvalidState', JSON.stringify(retaken));
  // ...and in a fresh page the code itself is refused by the domain (single use).
  await open(`${app}/`);
  await page.evaluate(([k, v]) => sessionStorage.setItem(k, v), record);
  const replayed = await inPage((auth, url) => auth.handleRedirect({ url }), callback);
  assert.equal(replayed.error, 'invalid_grant', JSON.stringify(replayed));
  assert.deepEqual(await storedKeys(), { local: [], session: [] });

  // A state that is not the tab's.
  await open(`${app}/`);
  await Promise.all([page.waitForURL(/\/cb\?/, LIMIT), inPage((auth) => auth.signInWithRedirect())]);
  await page.waitForFunction(() => window.ready === true);
  const tampered = new URL(page.url());
  tampered.searchParams.set('state', 'forged');
  const refused = await inPage((auth, url) => auth.handleRedirect({ url }), tampered.href);
  assert.equal(refused.error, 'UnexpectedResponse', JSON.stringify(refused));
  assert.match(refused.message, /state/);
  assert.deepEqual(await storedKeys(), { local: [], session: [] });
});

test('two handleRedirect() at once exchange the code once; a sign-out during the exchange wins', LIMIT, async () => {
  const exchanges = [];
  const count = (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/oauth2/token')) exchanges.push(request.url());
  };
  page.on('request', count);
  try {
    // A callback handled twice at once (React's StrictMode runs effects twice): one exchange, one
    // sign-in, and the other call finds the tab's record taken.
    await open(`${app}/`);
    await Promise.all([page.waitForURL(/\/cb\?/, LIMIT), inPage((auth) => auth.signInWithRedirect({ customState: 'twice' }))]);
    await page.waitForFunction(() => window.ready === true);
    const both = await inPage(async (auth) => {
      const settled = await Promise.allSettled([auth.handleRedirect(), auth.handleRedirect()]);
      return settled.map((s) => (s.status === 'fulfilled' ? s.value : { error: s.reason.code }));
    });
    const signedIn = both.filter((r) => r.isSignedIn === true);
    assert.deepEqual(signedIn, [{ isSignedIn: true, customState: 'twice' }], JSON.stringify(both));
    assert.deepEqual(both.filter((r) => r.error), [{ error: 'InvalidState' }], JSON.stringify(both));
    assert.equal(exchanges.length, 1, 'the code was exchanged once');
    assert.equal((await inPage((auth) => auth.getSession())).idTokenClaims.email, USERNAME);
    await inPage((auth) => auth.signOut());

    // A sign-out while the code is being exchanged: the sign-in that comes back stores nothing.
    await open(`${app}/`);
    await Promise.all([page.waitForURL(/\/cb\?/, LIMIT), inPage((auth) => auth.signInWithRedirect())]);
    await page.waitForFunction(() => window.ready === true);
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route('**/oauth2/token', async (route) => { await held; await route.continue(); });
    const raced = await inPage(async (auth) => {
      const handling = auth.handleRedirect().then((v) => v, (e) => ({ error: e.code }));
      window.handling = handling;
      return 'started';
    });
    assert.equal(raced, 'started');
    // The token request is on its way (and held): now the sign-out.
    while (exchanges.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await inPage((auth) => auth.signOut()), undefined);
    release();
    const outcome = await page.evaluate(() => window.handling);
    await page.unroute('**/oauth2/token');
    assert.equal(outcome.error, 'InvalidState', JSON.stringify(outcome));
    assert.equal((await inPage((auth) => auth.getSession())).error, 'NotSignedIn');
    assert.deepEqual(await storedKeys(), { local: [], session: [] });
  } finally {
    page.off('request', count);
  }
});

test('signOut({ redirect: true }) ends the domain session; an error on the callback is typed', LIMIT, async () => {
  // Signed in again through the domain's session, then out of both.
  await open(`${app}/`);
  await Promise.all([page.waitForURL(/\/cb\?/, LIMIT), inPage((auth) => auth.signInWithRedirect())]);
  await page.waitForFunction(() => window.ready === true);
  assert.equal((await inPage((auth) => auth.handleRedirect())).isSignedIn, true);
  await Promise.all([page.waitForURL(/\/bye/, LIMIT), inPage((auth) => auth.signOut({ redirect: true }))]);
  await page.waitForFunction(() => window.ready === true);
  assert.deepEqual((await storedKeys()).local.filter((k) => /\.(tokens|lastAuthUser)$/.test(k)), []);

  // Without the domain's session, prompt=none comes back with an error instead of a form.
  await open(`${app}/`);
  await Promise.all([page.waitForURL(/\/cb\?/, LIMIT), inPage((auth) => auth.signInWithRedirect({ prompt: 'none' }))]);
  await page.waitForFunction(() => window.ready === true);
  assert.equal(new URL(page.url()).searchParams.get('error'), 'login_required');
  const failed = await inPage((auth) => auth.handleRedirect());
  assert.equal(failed.error, 'login_required', JSON.stringify(failed));
  assert.deepEqual(await storedKeys(), { local: [], session: [] });
  // A page that is not a callback is not an error.
  assert.deepEqual(await inPage((auth) => auth.handleRedirect()), { isSignedIn: false });
});

test('a client with a secret is refused before its secret can travel', LIMIT, async () => {
  await open(`${app}/`);
  const refused = await page.evaluate(async (options) => {
    const auth = new window.kit.CognitoAuth({ ...options, clientSecret: 'not-for-browsers' });
    try {
      await auth.signInWithRedirect();
      return 'navigated';
    } catch (e) {
      return { error: e.code, message: e.message };
    }
  }, ctx.options);
  assert.equal(refused.error, 'InvalidArgument', JSON.stringify(refused));
  assert.match(refused.message, /secret/);
  assert.match(page.url(), /localhost/);
});
