// The package's CognitoAuth (pkg-template/client.js) against the emulator and against hostile
// servers: the flows and failure rules the Rust client proves in tests/browser_e2e.rs, proven again
// for the JavaScript client — refresh sharing and its failure rules, remembered and forgotten devices,
// custom challenges, SECRET_HASH clients, malformed replies and damaged stored records.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startEmulator, loadKit } from './emulator.mjs';

const poolId = 'us-east-1_DemoPool1';
const publicClient = 'demopublicclient0000000001';
const secretClient = 'demosecretclient0000000002';
const clientSecret = 'demosecret0000000000000000000000000000000000000000001';
let emulator;
let kit;
before(async () => {
  [emulator, kit] = await Promise.all([startEmulator(), loadKit()]);
});
after(() => emulator?.stop());

/** A storage object the test can read and damage (async, as an app's own may be). */
function openStorage() {
  const items = new Map();
  return {
    items,
    getItem: async (k) => items.get(k) ?? null,
    setItem: async (k, v) => void items.set(k, v),
    removeItem: async (k) => void items.delete(k),
  };
}
const auth = (extra = {}) =>
  new kit.CognitoAuth({ userPoolId: poolId, clientId: publicClient, endpoint: emulator.url, storage: 'memory', ...extra });

/** Records the X-Amz-Target of every request the kit sends while `work` runs. */
async function recordTargets(work) {
  const original = globalThis.fetch;
  const targets = [];
  globalThis.fetch = (url, init) => {
    targets.push(init.headers['x-amz-target'].split('.').pop());
    return original(url, init);
  };
  try {
    return { result: await work(), targets };
  } finally {
    globalThis.fetch = original;
  }
}

/** A local server answering every request with `reply(body)` → { status, headers, body }. */
async function fakeService(reply) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const r = reply(body, req);
      res.writeHead(r.status, r.headers ?? {});
      res.end(r.body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

test('concurrent getSession calls share one refresh; an outage keeps the tokens; a revoked token ends the session', async () => {
  const storage = openStorage();
  const a = auth({ storage });
  await a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  const { result: first, targets: none } = await recordTargets(() => a.getSession());
  assert.deepEqual(none, [], 'fresh tokens need no request');
  // A margin longer than the tokens' life makes every getSession refresh.
  const eager = auth({ storage, refreshMarginSeconds: 7200 });
  const refreshed = [];
  eager.on('tokenRefresh', () => refreshed.push(1));
  const { result, targets } = await recordTargets(() => Promise.all([eager.getSession(), eager.getSession(), eager.getSession()]));
  assert.deepEqual(targets, ['InitiateAuth'], 'one refresh for three callers');
  assert.equal(refreshed.length, 1);
  assert.equal(result[0].accessToken, result[2].accessToken);
  assert.equal(result[0].username, first.username);
  const stored = [...storage.items.keys()].sort();

  // The service is down (a proxy's HTML 503): the refresh fails, typed and retryable, and nothing goes.
  let tries = 0;
  const down = await fakeService(() => {
    tries += 1;
    return { status: 503, headers: { 'content-type': 'text/html' }, body: '<html>Service Unavailable</html>' };
  });
  try {
    const failures = [];
    const offline = auth({ storage, endpoint: down.url, refreshMarginSeconds: 7200 });
    offline.on('tokenRefreshFailure', (e) => failures.push(e.code));
    await assert.rejects(offline.getSession(), (e) => e instanceof kit.CognitoError && e.code === 'NotJsonReply' && e.status === 503 && e.retryable);
    assert.deepEqual(failures, ['NotJsonReply']);
    assert.equal(tries, 1, 'a refresh is never retried (a rotated token must not be presented twice)');
    assert.deepEqual([...storage.items.keys()].sort(), stored);
    assert.equal((await a.getSession()).accessToken, result[0].accessToken);
  } finally {
    down.close();
  }

  // The refresh token is revoked (global sign-out from elsewhere): the next refresh ends the session.
  const elsewhere = auth();
  await elsewhere.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  await elsewhere.signOut({ global: true });
  const ended = [];
  eager.on('signedOut', () => ended.push(1));
  await assert.rejects(eager.getSession(), (e) => e.code === 'NotAuthorizedException');
  assert.equal(ended.length, 1);
  await assert.rejects(a.getSession(), (e) => e.code === 'NotSignedIn');
});

test('a remembered device signs in with device SRP; one the service forgot is dropped and sign-in goes on', async () => {
  const storage = openStorage();
  const a = auth({ storage });
  await a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  await a.rememberDevice();
  const deviceKey = [...storage.items.keys()].find((k) => k.endsWith('.device'));
  const record = JSON.parse(storage.items.get(deviceKey));
  assert.equal(record.remembered, true);
  const mine = await a.getDevice();
  assert.equal(mine.id, record.device_key);
  await a.signOut();

  const { result, targets } = await recordTargets(() => a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' }));
  assert.equal(result.isSignedIn, true);
  assert.deepEqual(targets, ['InitiateAuth', 'RespondToAuthChallenge', 'RespondToAuthChallenge', 'RespondToAuthChallenge'],
    'SRP, then DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER');

  // Forgotten on the service while this storage still holds the record.
  await a.forgetDevice();
  assert.equal(storage.items.has(deviceKey), false);
  storage.items.set(deviceKey, JSON.stringify(record));
  await a.signOut();
  const again = await a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  assert.equal(again.isSignedIn, true);
  const now = storage.items.get(deviceKey);
  assert.ok(now === undefined || JSON.parse(now).device_key !== record.device_key, 'the forgotten device is not kept');
  await a.signOut();
});

test('custom challenges with and without SRP, a wrong answer first', async () => {
  for (const authFlow of ['CUSTOM_WITH_SRP', 'CUSTOM_WITHOUT_SRP']) {
    const a = auth();
    const out = await a.signIn({ username: 'alice@example.com', password: 'Passw0rd!', authFlow });
    assert.equal(out.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE', authFlow);
    assert.equal(out.nextStep.additionalInfo.question, 'What is six times seven?');
    // The pool allows three wrong answers: the challenge comes back.
    const wrong = await a.confirmSignIn({ challengeResponse: '41' });
    assert.equal(wrong.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE', 'asked again');
    assert.deepEqual(await a.confirmSignIn({ challengeResponse: '42' }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    assert.equal((await a.getSession()).idTokenClaims.email, 'alice@example.com');
  }
});

test('a client with a secret sends SECRET_HASH through sign-in, refresh and password reset', async () => {
  const storage = openStorage();
  const a = auth({ clientId: secretClient, clientSecret, storage });
  assert.equal((await a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' })).isSignedIn, true);
  const eager = auth({ clientId: secretClient, clientSecret, storage, refreshMarginSeconds: 7200 });
  assert.equal(typeof (await eager.getSession()).accessToken, 'string');
  await a.signOut();
  const reset = await a.forgotPassword({ username: 'alice@example.com' });
  assert.equal(reset.nextStep.resetPasswordStep, 'CONFIRM_RESET_PASSWORD_WITH_CODE');
  const without = auth({ clientId: secretClient });
  await assert.rejects(without.signIn({ username: 'alice@example.com', password: 'Passw0rd!' }), (e) => e.code === 'NotAuthorizedException');
});

test('malformed replies are typed errors and store nothing', async () => {
  const replies = [
    [{ status: 200, body: '[]' }, 'InvalidJson'],
    [{ status: 200, body: '<html>hello</html>' }, 'NotJsonReply'],
    [{ status: 200, body: '{"ChallengeName": 5}' }, 'InvalidJson'],
    [{ status: 200, body: '{"ChallengeName":"SMS_MFA","ChallengeParameters":{"a":1}}' }, 'InvalidJson'],
    [{ status: 200, body: '{}' }, 'UnexpectedResponse'],
    [{ status: 200, body: '{"ChallengeName":"SOMETHING_NEW"}' }, 'UnexpectedChallenge'],
    [{ status: 200, body: '{"AuthenticationResult":{"IdToken":"not-a-jwt","AccessToken":"x.y.z"}}' }, 'MalformedToken'],
    [{ status: 200, body: '{"AuthenticationResult":{"AccessToken":"x.y.z"}}' }, 'MissingField'],
    [{ status: 400, body: '{"__type":"com.amazon#LimitExceededException","message":"slow down"}' }, 'LimitExceededException'],
    [{ status: 502, body: '' }, 'UnexpectedResponse'],
    [{ status: 400, body: '{"code":"InvalidParameterException","message":"bad"}' }, 'InvalidParameterException'],
    [{ status: 200, body: `{"pad":"${'x'.repeat(1 << 20)}"}` }, 'UnexpectedResponse'],
    [{ status: 503, body: `{"__type":"InternalErrorException","pad":"${'x'.repeat(1 << 20)}"}` }, 'NotJsonReply'],
  ];
  for (const [reply, code] of replies) {
    const fake = await fakeService(() => reply);
    try {
      const storage = openStorage();
      const a = auth({ endpoint: fake.url, storage });
      await assert.rejects(a.signIn({ username: 'alice', password: 'pw', authFlow: 'USER_PASSWORD_AUTH' }), (e) => {
        assert.ok(e instanceof kit.CognitoError, `${reply.body}: ${e}`);
        assert.equal(e.code, code, reply.body);
        return true;
      });
      assert.equal(storage.items.size, 0, reply.body);
    } finally {
      fake.close();
    }
  }
  // The service's text cannot forge log lines.
  const forging = await fakeService(() => ({ status: 400, body: '{"__type":"NotAuthorizedException","message":"no\\n[ok] admin signed in\\u0007"}' }));
  try {
    await assert.rejects(auth({ endpoint: forging.url }).forgotPassword({ username: 'x' }), (e) => {
      assert.equal(e.message, 'NotAuthorizedException (HTTP 400): no\\u000a[ok] admin signed in\\u0007');
      return true;
    });
  } finally {
    forging.close();
  }
  // The x-amzn-errortype header names the error when the body does not.
  const fake = await fakeService(() => ({ status: 400, headers: { 'x-amzn-errortype': 'UserNotFoundException:http://internal' }, body: '' }));
  try {
    await assert.rejects(auth({ endpoint: fake.url }).forgotPassword({ username: 'x' }), (e) => e.code === 'UserNotFoundException' && e.status === 400);
  } finally {
    fake.close();
  }
});

test('damaged stored records read as signed out, and bad arguments are InvalidArgument', async () => {
  const storage = openStorage();
  const a = auth({ storage });
  await a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  const tokensKey = [...storage.items.keys()].find((k) => k.endsWith('.tokens'));
  for (const damaged of ['{', '[]', 'null', '{"username":"alice@example.com"}', '{"username":"a","id_token":"x","access_token":"y"}']) {
    storage.items.set(tokensKey, damaged);
    await assert.rejects(a.getSession(), (e) => e instanceof kit.CognitoError && ['NotSignedIn', 'MalformedToken'].includes(e.code), damaged);
  }
  await a.signOut();
  assert.deepEqual([...storage.items.keys()].filter((k) => /\.(tokens|lastAuthUser)$/.test(k)), [], 'sign-out clears a damaged session');
  for (const [call, input] of [
    [() => a.signIn(undefined)],
    [() => a.signIn({ username: 'alice@example.com' })],
    [() => a.signIn({ username: 'alice@example.com', password: 'x', authFlow: 'MAGIC' })],
    [() => a.signUp({ username: 'x', password: 5 })],
    [() => a.confirmSignUp({ username: 'x', confirmationCode: 5 })],
    [() => a.setMfaPreference({ totp: 'SOMETIMES' })],
  ]) {
    await assert.rejects(call(input), (e) => e instanceof kit.CognitoError && e.code === 'InvalidArgument');
  }
  await assert.rejects(a.confirmSignIn({ challengeResponse: '1' }), (e) => e.code === 'InvalidState');
  assert.throws(() => auth({ storage: 'somewhere' }), (e) => e.code === 'InvalidArgument');
  assert.throws(() => new kit.CognitoAuth({ userPoolId: 'us-east-1_A_B', clientId: 'c' }), (e) => e.code === 'InvalidArgument');
});

test('listeners that throw, storage that fails and device records that are damaged do not break the client', async () => {
  const storage = openStorage();
  const a = auth({ storage });
  a.on('signedIn', () => {
    throw new Error('listener bug');
  });
  assert.equal((await a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' })).isSignedIn, true);
  assert.throws(() => a.on('signedUp', () => {}), (e) => e.code === 'InvalidArgument');

  // The service refuses the refresh token while a failure listener throws: the session still ends.
  const eager = auth({ storage, refreshMarginSeconds: 7200 });
  eager.on('tokenRefreshFailure', () => {
    throw new Error('listener bug');
  });
  const elsewhere = auth();
  await elsewhere.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  await elsewhere.signOut({ global: true });
  await assert.rejects(eager.getSession(), (e) => e.code === 'NotAuthorizedException');
  assert.equal([...storage.items.keys()].some((k) => k.endsWith('.tokens')), false);

  // A store that refuses writes (quota, private mode) is a typed error.
  const full = { getItem: () => null, setItem: () => { throw new DOMException('quota', 'QuotaExceededError'); }, removeItem: () => {} };
  await assert.rejects(auth({ storage: full }).signIn({ username: 'alice@example.com', password: 'Passw0rd!' }),
    (e) => e instanceof kit.CognitoError && e.code === 'InvalidState' && /setItem\(\): quota/.test(e.message));

  // A device record missing members counts as absent: sign-in goes on without device SRP.
  const key = `cognito-kit.${poolId}.${publicClient}.alice@example.com.device`;
  storage.items.set(key, JSON.stringify({ device_key: 'us-east-1_x', remembered: true }));
  const { result, targets } = await recordTargets(() => a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' }));
  assert.equal(result.isSignedIn, true);
  assert.deepEqual(targets, ['InitiateAuth', 'RespondToAuthChallenge', 'ConfirmDevice'], 'no device SRP, a new device confirmed');
});

test('replies are read as strictly as the Rust client reads them', async () => {
  // A session signed in against the emulator, then calls answered by a scripted service.
  const storage = openStorage();
  await auth({ storage }).signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  const pages = [];
  const script = {
    GetUser: () => ({ Username: 'alice', UserAttributes: [{ Name: 'email', Value: 'a@example.com' }, { Name: 'custom:empty' }], UserMFASettingList: ['SOFTWARE_TOKEN_MFA'], PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA' }),
    ListDevices: (body) => {
      pages.push(body.PaginationToken ?? null);
      return body.PaginationToken
        ? { Devices: [{ DeviceKey: 'k2', DeviceAttributes: [{ Name: 'device_name', Value: 'laptop' }], DeviceCreateDate: 1700000000 }] }
        : { Devices: [{ DeviceKey: 'k1', DeviceAttributes: [] }], PaginationToken: 'next-page' };
    },
    SignUp: () => ({ UserSub: 'sub' }),
    InitiateAuth: () => ({ ChallengeName: 'SELECT_CHALLENGE', Session: 's', AvailableChallenges: ['PASSWORD_SRP', 'EMAIL_OTP'], ChallengeParameters: {} }),
  };
  const fake = await fakeService((body, req) => {
    const op = req.headers['x-amz-target'].split('.').pop();
    return { status: 200, body: JSON.stringify(script[op](JSON.parse(body))) };
  });
  try {
    const a = auth({ storage, endpoint: fake.url });
    assert.deepEqual(await a.getUser(), { username: 'alice', attributes: { email: 'a@example.com', 'custom:empty': '' }, preferredMfa: 'TOTP', enabledMfa: ['TOTP'] });
    const devices = await a.listDevices();
    assert.deepEqual(pages, [null, 'next-page']);
    assert.deepEqual(devices.map((d) => [d.id, d.name, d.createDate?.toISOString()]), [['k1', undefined, undefined], ['k2', 'laptop', '2023-11-14T22:13:20.000Z']]);
    await assert.rejects(a.signUp({ username: 'x', password: 'Passw0rd!' }), (e) => e.code === 'InvalidJson' && /UserConfirmed/.test(e.message));
    const out = await auth({ endpoint: fake.url }).signIn({ username: 'x', password: 'p', authFlow: 'USER_PASSWORD_AUTH' });
    assert.deepEqual(out.nextStep, { signInStep: 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION', availableChallenges: ['PASSWORD_SRP', 'EMAIL_OTP'] });
  } finally {
    fake.close();
  }
  assert.throws(() => new kit.CognitoAuth({ userPoolId: 'evil.example/x_abc', clientId: 'c' }), (e) => e.code === 'InvalidArgument');
  assert.throws(() => new kit.CognitoAuth({ userPoolId: poolId, clientId: '' }), (e) => e.code === 'InvalidArgument');
  await assert.rejects(auth().signIn({ username: 'a', password: 'b', authFlow: 'toString' }), (e) => e.code === 'InvalidArgument');
});

/** Web Locks as browsers have them (one holder per name at a time), for Node. */
function fakeLocks() {
  const tails = new Map();
  return {
    request: async (name, work) => {
      const before = tails.get(name) ?? Promise.resolve();
      let release;
      tails.set(name, before.then(() => new Promise((r) => (release = r))));
      await before;
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}

test('two tabs on one storage share a refresh when the clock passes expiry, and rotation replaces the refresh token', async () => {
  const storage = openStorage();
  await auth({ storage }).signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  const tokensKey = [...storage.items.keys()].find((k) => k.endsWith('.tokens'));
  const before = JSON.parse(storage.items.get(tokensKey));
  const realNow = Date.now;
  globalThis.navigator = { locks: fakeLocks() };
  Date.now = () => realNow() + 3_700_000; // an hour and more later: both tokens expired here
  try {
    const tabs = [auth({ storage }), auth({ storage })];
    const { result, targets } = await recordTargets(() => Promise.all(tabs.map((t) => t.getSession())));
    assert.deepEqual(targets, ['InitiateAuth'], 'the second tab finds the first one\'s tokens');
    assert.equal(result[0].accessToken, result[1].accessToken);
    assert.notEqual(result[0].accessToken, before.access_token);
    // The service's clock is an hour behind this one now: the drift is stored and the tokens count as fresh.
    assert.ok(JSON.parse(storage.items.get(tokensKey)).clock_drift >= 3600);
    assert.deepEqual((await recordTargets(() => tabs[1].getSession())).targets, []);

    // With rotation: GetTokensFromRefreshToken, and the new refresh token is the one kept.
    const rotating = auth({ storage, refreshTokenRotation: true });
    const old = JSON.parse(storage.items.get(tokensKey)).refresh_token;
    const rotated = await recordTargets(() => rotating.refreshSession());
    assert.deepEqual(rotated.targets, ['GetTokensFromRefreshToken']);
    const kept = JSON.parse(storage.items.get(tokensKey)).refresh_token;
    assert.notEqual(kept, old);
    await rotating.refreshSession();
    assert.notEqual(JSON.parse(storage.items.get(tokensKey)).refresh_token, kept, 'the next refresh used the new token');
  } finally {
    Date.now = realNow;
    delete globalThis.navigator;
  }
});

test('a sign-out while a refresh is on the wire wins; the refresh token is revoked', async () => {
  const storage = openStorage();
  const a = auth({ storage });
  await a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  // A proxy that holds the refresh reply until released.
  let release;
  const held = new Promise((r) => (release = r));
  const proxy = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const upstream = await fetch(emulator.url, { method: 'POST', headers: { 'content-type': req.headers['content-type'], 'x-amz-target': req.headers['x-amz-target'] }, body });
      const text = await upstream.text();
      await held;
      res.writeHead(upstream.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(text);
    });
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const slow = auth({ storage, endpoint: `http://127.0.0.1:${proxy.address().port}/`, refreshMarginSeconds: 7200 });
    const signedOut = [];
    slow.on('signedOut', () => signedOut.push(1));
    const refreshing = slow.getSession();
    await new Promise((r) => setTimeout(r, 200));
    const refreshToken = JSON.parse([...storage.items.values()].find((v) => v.includes('refresh_token'))).refresh_token;
    await a.signOut();
    release();
    await assert.rejects(refreshing, (e) => e.code === 'NotSignedIn');
    assert.deepEqual([...storage.items.keys()].filter((k) => /\.(tokens|lastAuthUser)$/.test(k)), [], 'nothing written back');
    assert.deepEqual(signedOut, []);
    // RevokeToken at sign-out: the refresh token no longer works.
    const res = await fetch(emulator.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: JSON.stringify({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: publicClient, AuthParameters: { REFRESH_TOKEN: refreshToken } }),
    });
    assert.equal(res.status, 400);
    assert.match((await res.json()).__type, /NotAuthorizedException/);
  } finally {
    proxy.close();
  }
});

test('a sign-out that waited for the lock leaves the session another tab signed in meanwhile', async () => {
  const storage = openStorage();
  // Web Locks as two tabs share them, with who waits in view.
  const tails = new Map();
  const waiting = [];
  const locks = {
    request: async (name, work) => {
      const before = tails.get(name) ?? Promise.resolve();
      let release;
      tails.set(name, before.then(() => new Promise((r) => (release = r))));
      waiting.push(name);
      await before;
      waiting.splice(waiting.indexOf(name), 1);
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
  const until = async (what) => {
    for (let i = 0; !what(); i++) {
      assert.ok(i < 500, 'waited 5 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  globalThis.navigator = { locks };
  try {
    const [a, b] = [auth({ storage }), auth({ storage })];
    await a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
    const tokensKey = [...storage.items.keys()].find((k) => k.endsWith('.tokens'));
    const first = JSON.parse(storage.items.get(tokensKey));
    // A third tab holds the lock (a refresh): tab b's new sign-in, then tab a's sign-out, wait for it.
    let release;
    const holding = locks.request(`cognito-kit.refresh.${poolId}.${publicClient}`, () => new Promise((r) => (release = r)));
    await until(() => release);
    const signingIn = b.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
    await until(() => waiting.length === 1);
    const signingOut = a.signOut();
    await until(() => waiting.length === 2);
    release();
    await holding;
    const [signedIn] = await Promise.all([signingIn, signingOut]);
    assert.equal(signedIn.isSignedIn, true);
    const kept = JSON.parse(storage.items.get(tokensKey) ?? 'null');
    assert.ok(kept, 'the session tab b signed in is still stored');
    assert.notEqual(kept.access_token, first.access_token);
    assert.equal((await b.getSession()).accessToken, kept.access_token);
    // The sign-out still ended its own session at the service: its refresh token is revoked.
    const res = await fetch(emulator.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: JSON.stringify({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: publicClient, AuthParameters: { REFRESH_TOKEN: first.refresh_token } }),
    });
    assert.equal(res.status, 400);
  } finally {
    delete globalThis.navigator;
  }
});

test('attributes: update, verify with the emailed code, send a code again, delete', async () => {
  const storage = openStorage();
  const a = auth({ storage });
  await a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  const alice = [...storage.items.keys()].find((k) => k.endsWith('.tokens'));
  const username = `attr-${Date.now()}@example.com`;
  await a.signUp({ username, password: 'Passw0rd!', userAttributes: { email: username } });
  const code = async (to = username) => {
    const res = await fetch(`${emulator.url.replace(/\/$/, '')}/_emulator/outbox?poolId=${poolId}&username=${encodeURIComponent(to)}`);
    return (await res.json())[0].code;
  };
  await a.confirmSignUp({ username, confirmationCode: await code() });
  await a.signIn({ username, password: 'Passw0rd!' });
  const tokens = [...storage.items.keys()].filter((k) => k.endsWith('.tokens'));
  assert.equal(tokens.length, 1, 'one signed-in user per pool client: the previous user\'s tokens are gone');
  assert.notEqual(tokens[0], alice);
  const changed = username.replace('attr-', 'attr2-');
  const deliveries = await a.updateUserAttributes({ userAttributes: { name: 'Attr Tester', email: changed } });
  assert.equal(deliveries[0]?.attributeName, 'email');
  let user = await a.getUser();
  assert.equal(user.attributes.name, 'Attr Tester');
  assert.equal(user.attributes.email_verified, 'false');
  const sent = await a.sendUserAttributeVerificationCode({ userAttributeKey: 'email' });
  assert.equal(sent?.attributeName, 'email');
  await assert.rejects(a.verifyUserAttribute({ userAttributeKey: 'email', confirmationCode: '000000' }), (e) => e.code === 'CodeMismatchException');
  await a.verifyUserAttribute({ userAttributeKey: 'email', confirmationCode: await code(changed) });
  await a.deleteUserAttributes({ userAttributeKeys: ['name'] });
  user = await a.getUser();
  assert.equal(user.attributes.email_verified, 'true');
  assert.equal(user.attributes.email, changed);
  assert.equal('name' in user.attributes, false);
  await a.deleteUser();
  await assert.rejects(a.getSession(), (e) => e.code === 'NotSignedIn');
});

test('the engine reads the reply body up to its byte cap, claims keep their values, and inputs are plain data', async () => {
  // 600,000 two-byte characters: under 1 MiB in UTF-16 units, over it in bytes — refused.
  const wide = await fakeService(() => ({ status: 200, body: `{"pad":"${'é'.repeat(600_000)}"}` }));
  try {
    await assert.rejects(auth({ endpoint: wide.url }).signIn({ username: 'a', password: 'b', authFlow: 'USER_PASSWORD_AUTH' }),
      (e) => e.code === 'UnexpectedResponse' && /more than 1048576 bytes/.test(e.message));
  } finally {
    wide.close();
  }
  // A custom claim named like a device date stays the number it is.
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const token = (claims) => `${b64({ alg: 'RS256' })}.${b64({ iat: now, exp: now + 3600, ...claims })}.c2ln`;
  const fake = await fakeService(() => ({
    status: 200,
    body: JSON.stringify({ AuthenticationResult: { IdToken: token({ 'cognito:username': 'u', lastLoginDate: 1700000000, id: 'x', attributes: {} }), AccessToken: token({ username: 'u' }) } }),
  }));
  try {
    const a = auth({ endpoint: fake.url });
    await a.signIn({ username: 'u', password: 'p', authFlow: 'USER_PASSWORD_AUTH' });
    assert.equal((await a.getSession()).idTokenClaims.lastLoginDate, 1700000000);
    // An event passed by mistake (circular, full of DOM objects) is read as the plain data it holds.
    const event = { type: 'click', isTrusted: true };
    event.target = { ownerDocument: event };
    Object.setPrototypeOf(event.target, { constructor: 'HTMLButtonElement' });
    await a.signOut(event);
    await assert.rejects(a.getSession(), (e) => e.code === 'NotSignedIn');
  } finally {
    fake.close();
  }
});

test('records exactly as the previous (JavaScript) client wrote them load: the session, its refresh and device SRP', async () => {
  const storage = openStorage();
  const a = auth({ storage });
  await a.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
  await a.rememberDevice();
  const tokensKey = [...storage.items.keys()].find((k) => k.endsWith('.tokens'));
  const deviceKey = [...storage.items.keys()].find((k) => k.endsWith('.device'));
  const t = JSON.parse(storage.items.get(tokensKey));
  const d = JSON.parse(storage.items.get(deviceKey));
  // The object literals of 0.1.0's client.js (#finish and the device confirmation), as it stringified them.
  storage.items.set(tokensKey, JSON.stringify({ username: t.username, signed_in_as: t.signed_in_as, id_token: t.id_token, access_token: t.access_token, refresh_token: t.refresh_token, clock_drift: t.clock_drift }));
  storage.items.set(deviceKey, JSON.stringify({ device_key: d.device_key, device_group_key: d.device_group_key, device_password: d.device_password, remembered: true }));
  const b = auth({ storage, refreshMarginSeconds: 7200 });
  assert.equal((await b.getSession()).username, t.username, 'refreshed from the stored refresh token');
  await b.signOut();
  const { result, targets } = await recordTargets(() => b.signIn({ username: 'alice@example.com', password: 'Passw0rd!' }));
  assert.equal(result.isSignedIn, true);
  assert.deepEqual(targets, ['InitiateAuth', 'RespondToAuthChallenge', 'RespondToAuthChallenge', 'RespondToAuthChallenge'], 'device SRP with the stored device');
  await b.signOut();
});

test('without sessionStorage a sign-in with a redirect is refused before the page leaves', async () => {
  // Node has no sessionStorage: memory would lose the PKCE verifier and state with the navigation.
  assert.equal(globalThis.sessionStorage, undefined);
  const assigned = [];
  globalThis.location = { href: 'http://localhost:3000/', assign: (url) => assigned.push(url) };
  try {
    const client = auth({ oauth: { domain: 'http://localhost:9/d', redirectSignIn: 'http://localhost:3000/cb', scopes: ['openid'] } });
    await assert.rejects(client.signInWithRedirect(), (e) => {
      assert.ok(e instanceof kit.CognitoError);
      assert.equal(e.code, 'InvalidState');
      assert.match(e.message, /sessionStorage is not available/);
      return true;
    });
    assert.deepEqual(assigned, [], 'the page did not leave');
  } finally {
    delete globalThis.location;
  }
});
