// Federation through the package: the kit's signInWithRedirect with a provider of the pool, in one
// headless Chromium, through the emulator's domain to an upstream OpenID provider (oidc-provider,
// panva's certified implementation, on loopback) and back; handleRedirect then stores the pool's
// session for the federated user. The user cancelling at the provider ends in a typed error.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminClient, inPage as run, launchChromium, serveFiles, startEmulator } from './emulator.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(root, 'tools/package.json'));
const {
  CreateUserPoolCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand, CreateIdentityProviderCommand,
} = require('@aws-sdk/client-cognito-identity-provider');
const { default: Provider } = await import(require.resolve('oidc-provider'));

const LIMIT = { timeout: 60_000 };
const UPSTREAM_CLIENT = { id: 'kit-pool', secret: 'an-upstream-client-secret' };
let emulator, server, upstream, browser, page, sdk, app;
const ctx = {};
const inPage = (fn, arg) => run(page, fn, arg);

before(async () => {
  emulator = await startEmulator();
  const endpoint = emulator.url.replace(/\/$/, '');
  sdk = adminClient(emulator);
  const pool = await sdk.send(new CreateUserPoolCommand({ PoolName: 'kit-federation', UsernameAttributes: ['email'] }));
  ctx.poolId = pool.UserPool.Id;
  await sdk.send(new CreateUserPoolDomainCommand({ UserPoolId: ctx.poolId, Domain: 'kit-federation' }));

  // The upstream provider: any login is an account whose claims it answers.
  let handle;
  upstream = createServer((req, res) => handle(req, res));
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${upstream.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: UPSTREAM_CLIENT.id, client_secret: UPSTREAM_CLIENT.secret,
      redirect_uris: [`${endpoint}/domains/kit-federation/oauth2/idpresponse`],
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post',
    }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: `${id}@idp.example`, email_verified: true, name: `Ms ${id}` }),
    }),
    cookies: { keys: ['test-only-cookie-key'] },
  });
  handle = provider.callback();
  ctx.issuer = issuer;
  await sdk.send(new CreateIdentityProviderCommand({
    UserPoolId: ctx.poolId, ProviderName: 'Upstream', ProviderType: 'OIDC',
    ProviderDetails: {
      client_id: UPSTREAM_CLIENT.id, client_secret: UPSTREAM_CLIENT.secret, authorize_scopes: 'openid email profile',
      attributes_request_method: 'GET', oidc_issuer: issuer,
    },
    AttributeMapping: { email: 'email', email_verified: 'email_verified', name: 'name' },
  }));

  const index = () => `<!doctype html><meta charset="utf-8"><title>kit federation</title><script type="module">
    import * as kit from './index.js';
    window.kit = kit;
    window.auth = new kit.CognitoAuth(${JSON.stringify(ctx.options)});
    window.ready = true;
  </script>`;
  server = await serveFiles(join(root, 'pkg'), { '/': index, '/cb': index });
  app = server.url.replace('127.0.0.1', 'localhost').replace(/\/$/, '');
  const web = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.poolId, ClientName: 'web', CallbackURLs: [`${app}/cb`], AllowedOAuthFlows: ['code'],
    AllowedOAuthFlowsUserPoolClient: true, SupportedIdentityProviders: ['COGNITO', 'Upstream'],
    AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
  }));
  ctx.options = {
    userPoolId: ctx.poolId, clientId: web.UserPoolClient.ClientId, endpoint: emulator.url,
    oauth: { domain: `${endpoint}/domains/kit-federation`, redirectSignIn: `${app}/cb`, scopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'] },
  };
  browser = await launchChromium();
  page = await browser.newPage();
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  server?.close();
  upstream?.close();
  sdk?.destroy();
  emulator?.stop();
});

/** Starts the redirect from the app page and walks the provider's pages until the callback. */
async function throughUpstream(login, { cancel = false } = {}) {
  await page.goto(`${app}/`);
  await page.waitForFunction(() => window.ready === true);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(ctx.issuer), LIMIT),
    inPage((auth) => auth.signInWithRedirect({ provider: { custom: 'Upstream' }, customState: 'federated' })),
  ]);
  while (!page.url().startsWith(`${app}/cb`)) {
    try {
      if (cancel && (await page.locator('text=[ Cancel ]').count())) {
        await page.click('text=[ Cancel ]');
      } else if (await page.locator('input[name=login]').count()) {
        await page.fill('input[name=login]', login);
        await page.fill('input[name=password]', 'any password');
        await page.click('button[type=submit]');
      } else if (await page.locator('button[autofocus]').count()) {
        await page.click('button[autofocus]');
      }
    } catch {
      // The page navigated while being read: look again.
    }
    await page.waitForTimeout(100);
  }
  await page.waitForFunction(() => window.ready === true);
}

test('the kit signs in through an upstream OpenID provider: the pool\'s session for the federated user', LIMIT, async () => {
  await throughUpstream('grace');
  const handled = await inPage((auth) => auth.handleRedirect());
  assert.deepEqual(handled, { isSignedIn: true, customState: 'federated' });
  const session = await inPage((auth) => auth.getSession());
  assert.equal(session.username, 'Upstream_grace');
  assert.equal(session.idTokenClaims.email, 'grace@idp.example');
  assert.equal(session.idTokenClaims.name, 'Ms grace');
  assert.equal(session.idTokenClaims.identities[0].providerName, 'Upstream');
  assert.equal(session.idTokenClaims.identities[0].userId, 'grace');
  // The federated user's pool tokens refresh like any others.
  const refreshed = await inPage((auth) => auth.refreshSession());
  assert.equal(refreshed.username, 'Upstream_grace');
  const info = await inPage((auth) => auth.getUserInfo());
  assert.equal(info.email, 'grace@idp.example');
  await inPage((auth) => auth.signOut());
});

test('a user who cancels at the provider comes back with access_denied, and nothing is stored', LIMIT, async () => {
  // A browser the provider does not know yet, so that it shows its login page.
  page = await (await browser.newContext()).newPage();
  await throughUpstream('grace', { cancel: true });
  assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied');
  const failed = await inPage((auth) => auth.handleRedirect());
  assert.equal(failed.error, 'access_denied', JSON.stringify(failed));
  assert.equal(failed.isCognitoError, true);
  const kept = await page.evaluate(() => [...Object.keys(localStorage), ...Object.keys(sessionStorage)].filter((k) => k.startsWith('cognito-kit.') && !k.endsWith('.device')));
  assert.deepEqual(kept, []);
});
