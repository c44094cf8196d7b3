// The package's passkey and passwordless sign-in against a scripted service and a scripted
// authenticator (no browser): what happens when the user or the app does two things at once — a
// second passkey prompt while one is open, a sign-out while it is open — when the service sends
// no usable WebAuthn options, and when the sign-in right after a confirmed sign-up meets a failure
// the service may not have seen.
import test, { afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadKit } from './emulator.mjs';

let kit;
before(async () => {
  kit = await loadKit();
});

const b64u = (text) => Buffer.from(text).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const jwt = (claims) => `${b64u('{"alg":"RS256","kid":"k"}')}.${b64u(JSON.stringify({ iat: now(), exp: now() + 3600, ...claims }))}.c2ln`;
const TOKENS = () => ({
  AuthenticationResult: {
    AccessToken: jwt({ username: 'alice', token_use: 'access', client_id: 'client' }),
    IdToken: jwt({ 'cognito:username': 'alice', token_use: 'id', aud: 'client' }),
    RefreshToken: 'rt', ExpiresIn: 3600, TokenType: 'Bearer',
  },
});
const OPTIONS = JSON.stringify({ challenge: 'AAAA', rpId: 'localhost', allowCredentials: [] });
const ABSENT = Symbol('absent');
const WEB_AUTHN = (options = OPTIONS) => [200, {
  ChallengeName: 'WEB_AUTHN', Session: 'S'.repeat(30),
  ChallengeParameters: options === ABSENT ? {} : { CREDENTIAL_REQUEST_OPTIONS: options },
}];

/** The service: `reply(operation, body)` → [status, body]; every request is logged. */
let sent;
function service(reply) {
  sent = [];
  globalThis.fetch = async (url, init) => {
    const operation = init.headers['x-amz-target'].split('.').pop();
    sent.push(operation);
    const [status, body] = await reply(operation, JSON.parse(init.body));
    const headers = { 'content-type': 'application/x-amz-json-1.1', ...(status === 200 ? {} : { 'x-amzn-errortype': body.__type }) };
    return new Response(JSON.stringify(body), { status, headers });
  };
}

/** The authenticator: each prompt waits until the test answers it. */
let prompts;
function authenticator() {
  prompts = [];
  const buf = (s) => new TextEncoder().encode(s).buffer;
  const credential = {
    id: 'Y3JlZA', rawId: buf('cred'), type: 'public-key', authenticatorAttachment: 'platform', getClientExtensionResults: () => ({}),
    response: { clientDataJSON: buf('{}'), authenticatorData: buf('ad'), signature: buf('sig'), userHandle: buf('uh'), attestationObject: buf('ao'), getTransports: () => ['internal'] },
  };
  const ask = (kind) => () => new Promise((resolve, reject) => prompts.push({ kind, accept: () => resolve(credential), cancel: () => reject(new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError')) }));
  globalThis.PublicKeyCredential = function PublicKeyCredential() {};
  Object.defineProperty(globalThis, 'navigator', { value: { credentials: { get: ask('get'), create: ask('create') } }, configurable: true });
}
afterEach(() => {
  delete globalThis.PublicKeyCredential;
});

const client = () => new kit.CognitoAuth({ userPoolId: 'us-east-1_abc', clientId: 'client', storage: 'memory' });
const settle = (promise) => promise.then((value) => ({ value }), (e) => ({ error: e.code, message: e.message }));
const until = async (check) => { while (!check()) await new Promise((r) => setTimeout(r, 5)); };
const passkeySignIn = (auth) => auth.signIn({ username: 'alice', authFlow: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' });

test('a second passkey sign-in while the prompt is open is refused, and the first one signs in', async () => {
  authenticator();
  service(async (op) => (op === 'InitiateAuth' ? WEB_AUTHN() : [200, TOKENS()]));
  const auth = client();
  const first = settle(passkeySignIn(auth));
  await until(() => prompts.length === 1);
  const second = await settle(passkeySignIn(auth));
  assert.equal(second.error, 'InvalidState', JSON.stringify(second));
  assert.match(second.message, /passkey prompt is open/);
  assert.deepEqual(sent, ['InitiateAuth'], 'the second sent nothing');
  prompts[0].accept();
  assert.equal((await first).value?.isSignedIn, true);
  assert.equal((await auth.getSession()).username, 'alice');
  // The prompt was let go: after a cancelled one, a new passkey sign-in asks again.
  await auth.signOut();
  const cancelled = settle(passkeySignIn(auth));
  await until(() => prompts.length === 2);
  prompts[1].cancel();
  assert.equal((await cancelled).error, 'PasskeyCanceled');
  const again = settle(passkeySignIn(auth));
  await until(() => prompts.length === 3);
  prompts[2].accept();
  assert.equal((await again).value?.isSignedIn, true);
});

test('a sign-out while the passkey prompt is open wins: the answer is not sent', async () => {
  authenticator();
  service(async (op) => (op === 'InitiateAuth' ? WEB_AUTHN() : [200, TOKENS()]));
  const auth = client();
  const signIn = settle(passkeySignIn(auth));
  await until(() => prompts.length === 1);
  await auth.signOut();
  prompts[0].accept();
  const outcome = await signIn;
  assert.equal(outcome.error, 'InvalidState', JSON.stringify(outcome));
  assert.deepEqual(sent, ['InitiateAuth'], 'no RespondToAuthChallenge after the sign-out');
  assert.equal((await settle(auth.getSession())).error, 'NotSignedIn');
});

test('two passkey registrations at once: the second is refused, the first completes', async () => {
  authenticator();
  const creation = { challenge: 'AAAA', rp: { id: 'localhost', name: 'kit' }, user: { id: b64u('sub-1'), name: 'alice', displayName: 'alice' }, pubKeyCredParams: [{ type: 'public-key', alg: -7 }] };
  service(async (op) => (op === 'InitiateAuth' ? WEB_AUTHN()
    : op === 'StartWebAuthnRegistration' ? [200, { CredentialCreationOptions: creation }]
      : op === 'CompleteWebAuthnRegistration' ? [200, {}] : [200, TOKENS()]));
  const auth = client();
  const signIn = settle(passkeySignIn(auth));
  await until(() => prompts.length === 1);
  prompts[0].accept();
  assert.equal((await signIn).value?.isSignedIn, true);
  const first = settle(auth.associateWebAuthnCredential());
  await until(() => prompts.length === 2);
  const second = await settle(auth.associateWebAuthnCredential());
  assert.equal(second.error, 'InvalidState', JSON.stringify(second));
  prompts[1].accept();
  assert.deepEqual(await first, { value: undefined });
  assert.deepEqual(sent.filter((op) => op.includes('WebAuthn')), ['StartWebAuthnRegistration', 'CompleteWebAuthnRegistration']);
});

test('WEB_AUTHN without usable request options is the service\'s fault, found before any prompt', async () => {
  authenticator();
  for (const [options, code] of [[ABSENT, 'MissingField'], ['{bad', 'InvalidJson'], ['{}', 'InvalidJson'], ['null', 'InvalidJson']]) {
    service(async () => WEB_AUTHN(options));
    const outcome = await settle(passkeySignIn(client()));
    assert.equal(outcome.error, code, `${String(options)}: ${JSON.stringify(outcome)}`);
    assert.match(outcome.message, /CREDENTIAL_REQUEST_OPTIONS/);
  }
  assert.equal(prompts.length, 0, 'the authenticator was never asked');
});

test('autoSignIn after a failure the service may not have seen can be tried again', async () => {
  let failures = 1;
  const sessions = [];
  service(async (op, body) => {
    if (op === 'ConfirmSignUp') return [200, { Session: 'U'.repeat(40) }];
    if (op !== 'InitiateAuth') return [200, {}];
    sessions.push(body.Session);
    return failures-- > 0 ? [500, { __type: 'InternalErrorException', message: 'boom' }] : [200, TOKENS()];
  });
  const auth = client();
  await auth.confirmSignUp({ username: 'alice', confirmationCode: '123456' });
  const failed = await settle(auth.autoSignIn());
  assert.equal(failed.error, 'InternalErrorException');
  const again = await settle(auth.autoSignIn());
  assert.equal(again.value?.isSignedIn, true, JSON.stringify(again));
  assert.deepEqual(sessions, ['U'.repeat(40), 'U'.repeat(40)], 'the same sign-up session, sent twice');
  // Once it served, it is gone.
  assert.equal((await settle(auth.autoSignIn())).error, 'InvalidState');
});
