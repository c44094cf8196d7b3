// The pool domain's OAuth 2.0 / OpenID Connect endpoints, driven by third parties: oauth4webapi (a
// certified OpenID relying-party library) runs discovery, the authorization code flow with PKCE,
// refresh, userInfo, revocation and client credentials; the managed login form is filled in ONE
// headless Chromium (playwright-core); the ID token is verified by aws-jwt-verify (signature,
// issuer, audience, nonce) and the access token calls the user API through the AWS SDK.
// Federation: oidc-provider (panva's certified OpenID provider) runs on loopback as the pool's
// upstream OIDC identity provider, and Chromium follows the whole redirect chain: app →
// emulator authorize → the provider's login and consent → /oauth2/idpresponse → app callback.
// Run from the repository root:  node emulator/interop/oauth.mjs
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from './start-emulator.mjs';

const toolsDir = fileURLToPath(new URL('../../tools/', import.meta.url));
const require = createRequire(join(toolsDir, 'package.json'));
const {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand,
  CreateResourceServerCommand, AdminCreateUserCommand, AdminSetUserPasswordCommand, GetUserCommand,
  CreateIdentityProviderCommand, AdminGetUserCommand,
} = require('@aws-sdk/client-cognito-identity-provider');
const { JwtRsaVerifier } = require('aws-jwt-verify');
const { chromium } = require('playwright-core');
const oauth = await import(require.resolve('oauth4webapi'));
const { default: Provider } = await import(require.resolve('oidc-provider'));

const emulatorBin = process.env.EMULATOR_BIN
  || fileURLToPath(new URL('../../target/debug/cognito-kit-emulator', import.meta.url));
const USERNAME = 'olga@example.com';
const PASSWORD = 'Passw0rd!';
// The app: a server on a loopback IP literal (the callback URLs the service accepts since
// August 2025) that only notes where the browser landed.
let app;
let CALLBACK;
let SIGNED_OUT;
const LIMIT = { timeout: 60_000 };
const insecure = { [oauth.allowInsecureRequests]: true };

let emulator;
let endpoint;
let sdk;
let browser;
let page;
const ctx = {};

let landed;
function landing() {
  return new Promise((resolve) => { landed = resolve; });
}

async function authorizationUrl(extra = {}) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(ctx.as.authorization_endpoint);
  for (const [name, value] of Object.entries({
    client_id: ctx.client.client_id, redirect_uri: CALLBACK, response_type: 'code',
    scope: 'openid email profile aws.cognito.signin.user.admin api/read', state, nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  })) url.searchParams.set(name, value);
  return { url, verifier, state, nonce };
}

async function redeem(flow, callbackUrl) {
  const params = oauth.validateAuthResponse(ctx.as, ctx.client, new URL(callbackUrl), flow.state);
  const response = await oauth.authorizationCodeGrantRequest(
    ctx.as, ctx.client, oauth.None(), params, CALLBACK, flow.verifier, insecure);
  return oauth.processAuthorizationCodeResponse(ctx.as, ctx.client, response, { expectedNonce: flow.nonce, requireIdToken: true });
}

before(async () => {
  app = createServer((req, res) => {
    // Chromium also asks for /favicon.ico: only the callback and sign-out URLs count.
    if (/^\/(cb|bye)\b/.test(req.url)) landed?.(`http://${req.headers.host}${req.url}`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('app');
  });
  await new Promise((resolve) => { app.listen(0, '127.0.0.1', resolve); });
  CALLBACK = `http://127.0.0.1:${app.address().port}/cb`;
  SIGNED_OUT = `http://127.0.0.1:${app.address().port}/bye`;
  ({ child: emulator, url: endpoint } = await startEmulator(emulatorBin));
  sdk = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const pool = await sdk.send(new CreateUserPoolCommand({ PoolName: 'oauth', UsernameAttributes: ['email'] }));
  ctx.poolId = pool.UserPool.Id;
  await sdk.send(new CreateUserPoolDomainCommand({ UserPoolId: ctx.poolId, Domain: 'interop-oauth' }));
  await sdk.send(new CreateResourceServerCommand({
    UserPoolId: ctx.poolId, Identifier: 'api', Name: 'API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read' }],
  }));
  const web = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.poolId, ClientName: 'web', CallbackURLs: [CALLBACK], LogoutURLs: [SIGNED_OUT],
    AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true, SupportedIdentityProviders: ['COGNITO'],
    AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin', 'api/read'],
  }));
  ctx.client = { client_id: web.UserPoolClient.ClientId };
  const service = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.poolId, ClientName: 'service', GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'],
    AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: ['api/read'],
  }));
  ctx.service = { id: service.UserPoolClient.ClientId, secret: service.UserPoolClient.ClientSecret };
  await sdk.send(new AdminCreateUserCommand({
    UserPoolId: ctx.poolId, Username: USERNAME, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: USERNAME }, { Name: 'email_verified', Value: 'true' }],
  }));
  await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: ctx.poolId, Username: USERNAME, Password: PASSWORD, Permanent: true }));

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  await setUpFederation();
}, LIMIT);

after(async () => {
  await browser?.close();
  emulator?.kill();
  app?.close();
  idp?.server.close();
  idp?.tamperer.close();
});

test('discovery: the issuer, JWKS and the domain\'s endpoints', LIMIT, async () => {
  const issuer = new URL(`${endpoint}/${ctx.poolId}`);
  ctx.as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oidc' }));
  assert.equal(ctx.as.issuer, issuer.href);
  assert.equal(ctx.as.authorization_endpoint, `${endpoint}/domains/interop-oauth/oauth2/authorize`);
  assert.equal(ctx.as.token_endpoint, `${endpoint}/domains/interop-oauth/oauth2/token`);
  assert.equal(ctx.as.userinfo_endpoint, `${endpoint}/domains/interop-oauth/oauth2/userInfo`);
});

test('code + PKCE through the login form, tokens verified, userInfo, refresh, revoke', LIMIT, async () => {
  const flow = await authorizationUrl();
  await page.goto(flow.url.href);
  assert.match(page.url(), /\/domains\/interop-oauth\/login\?/);
  // A wrong password: the form again, with the service's message.
  await page.fill('input[name=username]', USERNAME);
  await page.fill('input[name=password]', 'Wrong-passw0rd');
  await page.click('button[type=submit]');
  assert.equal(await page.textContent('#loginErrorMessage'), 'Incorrect username or password.');
  const arrival = landing();
  await page.fill('input[name=username]', USERNAME);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  const result = await redeem(flow, await arrival);
  assert.equal(result.token_type.toLowerCase(), 'bearer');
  assert.ok(result.refresh_token);

  // aws-jwt-verify: signature against the pool's JWKS, issuer, audience, token use, nonce.
  const issuer = `${endpoint}/${ctx.poolId}`;
  const jwks = await (await fetch(`${issuer}/.well-known/jwks.json`)).json();
  const idVerifier = JwtRsaVerifier.create({
    issuer, audience: ctx.client.client_id, tokenUse: 'id', jwksUri: `${issuer}/.well-known/jwks.json`,
    customJwtCheck: ({ payload }) => { if (payload.nonce !== flow.nonce) throw new Error(`nonce ${payload.nonce}`); },
  });
  idVerifier.cacheJwks(jwks);
  const id = await idVerifier.verify(result.id_token);
  assert.equal(id.email, USERNAME);
  const accessVerifier = JwtRsaVerifier.create({ issuer, audience: null, tokenUse: 'access', jwksUri: `${issuer}/.well-known/jwks.json` });
  accessVerifier.cacheJwks(jwks);
  const access = await accessVerifier.verify(result.access_token);
  assert.deepEqual(access.scope.split(' ').sort(), ['api/read', 'aws.cognito.signin.user.admin', 'email', 'openid', 'profile']);
  // The access token works with the user API, as InitiateAuth's does.
  const user = await sdk.send(new GetUserCommand({ AccessToken: result.access_token }));
  assert.equal(user.UserAttributes.find((a) => a.Name === 'email').Value, USERNAME);

  const claims = oauth.getValidatedIdTokenClaims(result);
  const info = await oauth.processUserInfoResponse(ctx.as, ctx.client, claims.sub,
    await oauth.userInfoRequest(ctx.as, ctx.client, result.access_token, insecure));
  assert.equal(info.email, USERNAME);

  const refreshed = await oauth.processRefreshTokenResponse(ctx.as, ctx.client,
    await oauth.refreshTokenGrantRequest(ctx.as, ctx.client, oauth.None(), result.refresh_token, insecure));
  assert.ok(refreshed.access_token && refreshed.id_token);
  assert.notEqual(refreshed.access_token, result.access_token);

  // The service's discovery document names no revocation endpoint; it sits beside the token one.
  const withRevocation = { ...ctx.as, revocation_endpoint: ctx.as.token_endpoint.replace(/token$/, 'revoke') };
  await oauth.processRevocationResponse(
    await oauth.revocationRequest(withRevocation, ctx.client, oauth.None(), result.refresh_token, insecure));
  await assert.rejects(
    oauth.processRefreshTokenResponse(ctx.as, ctx.client,
      await oauth.refreshTokenGrantRequest(ctx.as, ctx.client, oauth.None(), result.refresh_token, insecure)),
    (error) => error instanceof oauth.ResponseBodyError && error.error === 'invalid_grant');
  await assert.rejects(sdk.send(new GetUserCommand({ AccessToken: refreshed.access_token })), { name: 'NotAuthorizedException' });
});

test('the signed-in browser gets its code without the form, until it signs out', LIMIT, async () => {
  const flow = await authorizationUrl();
  let arrival = landing();
  await page.goto(flow.url.href);
  const callbackUrl = await arrival;
  const result = await redeem(flow, callbackUrl);
  assert.ok(result.access_token);
  // A code is single use: oauth4webapi sees the service's invalid_grant.
  const replay = await oauth.authorizationCodeGrantRequest(ctx.as, ctx.client, oauth.None(),
    oauth.validateAuthResponse(ctx.as, ctx.client, new URL(callbackUrl), flow.state),
    CALLBACK, flow.verifier, insecure);
  await assert.rejects(oauth.processAuthorizationCodeResponse(ctx.as, ctx.client, replay),
    (error) => error instanceof oauth.ResponseBodyError && error.error === 'invalid_grant');

  arrival = landing();
  const logout = new URL(ctx.as.authorization_endpoint.replace(/oauth2\/authorize$/, 'logout'));
  logout.searchParams.set('client_id', ctx.client.client_id);
  logout.searchParams.set('logout_uri', SIGNED_OUT);
  await page.goto(logout.href);
  assert.equal(await arrival, SIGNED_OUT);
  const again = await authorizationUrl();
  await page.goto(again.url.href);
  assert.match(page.url(), /\/login\?/, 'signed out: the form again');
});

test('client credentials with client_secret_basic: resource-server scopes, no user', LIMIT, async () => {
  const response = await oauth.clientCredentialsGrantRequest(ctx.as, { client_id: ctx.service.id },
    oauth.ClientSecretBasic(ctx.service.secret), new URLSearchParams({ scope: 'api/read' }), insecure);
  const result = await oauth.processClientCredentialsResponse(ctx.as, { client_id: ctx.service.id }, response);
  const issuer = `${endpoint}/${ctx.poolId}`;
  const verifier = JwtRsaVerifier.create({ issuer, audience: null, tokenUse: 'access', jwksUri: `${issuer}/.well-known/jwks.json` });
  verifier.cacheJwks(await (await fetch(`${issuer}/.well-known/jwks.json`)).json());
  const access = await verifier.verify(result.access_token);
  assert.equal(access.scope, 'api/read');
  assert.equal(access.sub, ctx.service.id);
  assert.equal(result.refresh_token, undefined);
});

// ---------------------------------------------------------------------------------------------
// Federation with oidc-provider as the upstream OpenID provider

let idp;
const IDP_CLIENT = { id: 'cognito-pool', secret: 'an-upstream-client-secret' };
// The provider's accounts: a login is an account id, its claims read at each sign-in.
const names = new Map();

async function listen(server) {
  await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  return `http://127.0.0.1:${server.address().port}`;
}

// Called at the end of the suite's `before` (the hooks of one file may overlap).
async function setUpFederation() {
  let handle;
  const server = createServer((req, res) => handle(req, res));
  const issuer = await listen(server);
  const idpresponse = `${endpoint}/domains/interop-oauth/oauth2/idpresponse`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: IDP_CLIENT.id, client_secret: IDP_CLIENT.secret, redirect_uris: [idpresponse],
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post',
    }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: `${id}@idp.example`, email_verified: true, name: names.get(id) ?? id }),
    }),
    cookies: { keys: ['interop-only-cookie-key'] },
  });
  handle = provider.callback();
  // The same provider behind a token endpoint that rewrites the ID token's subject (its
  // signature then no longer matches): the emulator must refuse it.
  const tamperer = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const upstream = await fetch(`${issuer}/token`, {
      method: 'POST', headers: { 'content-type': req.headers['content-type'] }, body: Buffer.concat(chunks),
    });
    const body = await upstream.json();
    if (body.id_token) {
      const [header, payload, signature] = body.id_token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url'));
      claims.sub = 'someone-else';
      body.id_token = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  const tamperedTokenUrl = `${await listen(tamperer)}/token`;
  idp = { server, tamperer, issuer };

  const details = {
    client_id: IDP_CLIENT.id, client_secret: IDP_CLIENT.secret, authorize_scopes: 'openid email profile',
    attributes_request_method: 'GET', oidc_issuer: issuer,
  };
  const AttributeMapping = { email: 'email', email_verified: 'email_verified', name: 'name' };
  await sdk.send(new CreateIdentityProviderCommand({
    UserPoolId: ctx.poolId, ProviderName: 'Upstream', ProviderType: 'OIDC', ProviderDetails: details,
    AttributeMapping, IdpIdentifiers: ['idp.example'],
  }));
  // Every endpoint given (no discovery), the token endpoint being the tampering one.
  await sdk.send(new CreateIdentityProviderCommand({
    UserPoolId: ctx.poolId, ProviderName: 'Tampered', ProviderType: 'OIDC', AttributeMapping,
    ProviderDetails: {
      ...details, authorize_url: `${issuer}/auth`, token_url: tamperedTokenUrl, jwks_uri: `${issuer}/jwks`,
      attributes_url: `${issuer}/me`,
    },
  }));
  const fed = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.poolId, ClientName: 'federated', CallbackURLs: [CALLBACK], AllowedOAuthFlows: ['code'],
    AllowedOAuthFlowsUserPoolClient: true, SupportedIdentityProviders: ['COGNITO', 'Upstream', 'Tampered'],
    AllowedOAuthScopes: ['openid', 'email', 'profile'],
  }));
  ctx.fed = { client_id: fed.UserPoolClient.ClientId };
}

async function federatedUrl(extra = {}) {
  const flow = await authorizationUrl({ client_id: ctx.fed.client_id, scope: 'openid email profile', ...extra });
  return flow;
}

/** Lets the browser through the provider's login and consent pages until it lands at the app. */
async function throughUpstream(browserPage, arrival, login) {
  for (;;) {
    const done = await Promise.race([arrival.then(() => true), new Promise((r) => { setTimeout(() => r(false), 200); })]);
    if (done) return arrival;
    if (!browserPage.url().startsWith(idp.issuer)) continue;
    try {
      if (await browserPage.locator('input[name=login]').count()) {
        await browserPage.fill('input[name=login]', login);
        await browserPage.fill('input[name=password]', 'any password');
        await browserPage.click('button[type=submit]');
      } else if (await browserPage.locator('button[autofocus]').count()) {
        await browserPage.click('button[autofocus]');
      }
    } catch {
      // The page navigated away while being read: look again.
    }
  }
}

async function redeemFederated(flow, callbackUrl) {
  const params = oauth.validateAuthResponse(ctx.as, ctx.fed, new URL(callbackUrl), flow.state);
  const response = await oauth.authorizationCodeGrantRequest(
    ctx.as, ctx.fed, oauth.None(), params, CALLBACK, flow.verifier, insecure);
  return oauth.processAuthorizationCodeResponse(ctx.as, ctx.fed, response, { expectedNonce: flow.nonce, requireIdToken: true });
}

async function verifiedIdToken(token, nonce) {
  const issuer = `${endpoint}/${ctx.poolId}`;
  const verifier = JwtRsaVerifier.create({
    issuer, audience: ctx.fed.client_id, tokenUse: 'id', jwksUri: `${issuer}/.well-known/jwks.json`,
    customJwtCheck: ({ payload }) => { if (payload.nonce !== nonce) throw new Error(`nonce ${payload.nonce}`); },
  });
  verifier.cacheJwks(await (await fetch(`${issuer}/.well-known/jwks.json`)).json());
  return verifier.verify(token);
}

test('federation: "Continue with Upstream" through oidc-provider creates the user, a second sign-in finds it', LIMIT, async () => {
  const context = await browser.newContext();
  const fedPage = await context.newPage();
  try {
    names.set('ada', 'Ada Lovelace');
    const flow = await federatedUrl();
    await fedPage.goto(flow.url.href);
    assert.match(fedPage.url(), /\/domains\/interop-oauth\/login\?/);
    const arrival = landing();
    await fedPage.click('a[data-provider=Upstream]');
    const callbackUrl = await throughUpstream(fedPage, arrival, 'ada');
    const result = await redeemFederated(flow, callbackUrl);
    const id = await verifiedIdToken(result.id_token, flow.nonce);
    assert.equal(id['cognito:username'], 'Upstream_ada');
    assert.equal(id.email, 'ada@idp.example');
    assert.equal(id.email_verified, true);
    assert.equal(id.name, 'Ada Lovelace');
    assert.equal(id.identities.length, 1);
    assert.equal(id.identities[0].providerName, 'Upstream');
    assert.equal(id.identities[0].providerType, 'OIDC');
    assert.equal(id.identities[0].userId, 'ada');
    const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: ctx.poolId, Username: 'Upstream_ada' }));
    assert.equal(user.UserStatus, 'EXTERNAL_PROVIDER');

    // Again, straight to the provider by idp_identifier (it remembers the browser): the same
    // user, the mapping written again.
    names.set('ada', 'Augusta Ada King');
    const again = await federatedUrl({ idp_identifier: 'idp.example' });
    const second = landing();
    await fedPage.goto(again.url.href);
    const secondResult = await redeemFederated(again, await throughUpstream(fedPage, second, 'ada'));
    const secondId = await verifiedIdToken(secondResult.id_token, again.nonce);
    assert.equal(secondId.sub, id.sub);
    assert.equal(secondId['cognito:username'], 'Upstream_ada');
    assert.equal(secondId.name, 'Augusta Ada King');
    // The pool's tokens work with the API, as any other.
    const me = await sdk.send(new GetUserCommand({ AccessToken: secondResult.access_token })).catch((e) => e);
    assert.equal(me.name, 'NotAuthorizedException', 'no aws.cognito.signin.user.admin scope was granted');
  } finally {
    await context.close();
  }
});

test('federation refusals: the user cancels at the provider, a forged state, a tampered ID token', LIMIT, async () => {
  const context = await browser.newContext();
  const fedPage = await context.newPage();
  try {
    // Cancel at the provider's login page: the app gets the provider's error and its state.
    const flow = await federatedUrl({ identity_provider: 'Upstream' });
    let arrival = landing();
    await fedPage.goto(flow.url.href);
    assert.ok(fedPage.url().startsWith(idp.issuer), fedPage.url());
    await fedPage.click('text=[ Cancel ]');
    let back = new URL(await arrival);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), flow.state);
    assert.equal(back.searchParams.get('code'), null);

    // A state the emulator never issued: an error page, no redirect anywhere.
    const forged = await fedPage.goto(`${endpoint}/domains/interop-oauth/oauth2/idpresponse?code=x&state=forged`);
    assert.equal(forged.status(), 400);
    assert.match(await fedPage.textContent('#error'), /invalid_request/);
    assert.ok(fedPage.url().startsWith(endpoint));

    // The provider's token endpoint answers an ID token whose subject was rewritten.
    names.set('eve', 'Eve');
    const tampered = await federatedUrl({ identity_provider: 'Tampered' });
    arrival = landing();
    await fedPage.goto(tampered.url.href);
    back = new URL(await throughUpstream(fedPage, arrival, 'eve'));
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.match(back.searchParams.get('error_description'), /signature/);
    assert.equal(back.searchParams.get('state'), tampered.state);
    for (const username of ['Tampered_eve', 'Tampered_someone-else']) {
      await assert.rejects(sdk.send(new AdminGetUserCommand({ UserPoolId: ctx.poolId, Username: username })),
        { name: 'UserNotFoundException' });
    }
  } finally {
    await context.close();
  }
});
