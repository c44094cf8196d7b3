// The package's sessions against a scripted service and a slow (asynchronous) storage: a sign-out
// wins over a refresh whose reply comes back while it runs, and a newer sign-in keeps its tokens
// when an older sign-out's revocation answers after it.
import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import { loadKit } from './emulator.mjs';

let kit;
before(async () => {
  kit = await loadKit();
});

const POOL = 'us-east-1_Pool1';
const CLIENT = 'client1';
const KEY = `cognito-kit.${POOL}.${CLIENT}`;
const MARKER = `${KEY}.lastAuthUser`;
const TOKENS = (user) => `${KEY}.${user}.tokens`;
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
let serial = 0;
const jwt = (claims) => `${b64({ alg: 'RS256' })}.${b64({ jti: String(serial++), ...claims })}.c2ln`;
const now = () => Math.floor(Date.now() / 1000);
const tokens = (user, exp = now() + 3600) => ({
  id: jwt({ 'cognito:username': user, token_use: 'id', exp, iat: now() }),
  access: jwt({ username: user, token_use: 'access', exp, iat: now() }),
});
const record = (user, refresh, exp) => {
  const t = tokens(user, exp);
  return JSON.stringify({ username: user, signed_in_as: user, id_token: t.id, access_token: t.access, refresh_token: refresh, clock_drift: 0 });
};
const reply = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/x-amz-json-1.1' } });
const result = (user, refresh) => {
  const t = tokens(user);
  return reply(200, { AuthenticationResult: { AccessToken: t.access, IdToken: t.id, ExpiresIn: 3600, TokenType: 'Bearer', ...(refresh ? { RefreshToken: refresh } : {}) } });
};
const deferred = () => {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Storage whose every call takes `delay` ms and takes effect when it is made. */
function slowStorage(delay) {
  const items = new Map();
  const later = (value) => new Promise((r) => setTimeout(() => r(value), delay));
  return {
    items,
    getItem: (k) => later(items.get(k) ?? null),
    setItem: (k, v) => { items.set(k, v); return later(undefined); },
    removeItem: (k) => { items.delete(k); return later(undefined); },
  };
}

/** The service: each operation answers with what `answers[operation]` gives (a promise may wait). */
function service(answers) {
  const sent = [];
  globalThis.fetch = async (url, init) => {
    const operation = init.headers['x-amz-target'].split('.').pop();
    sent.push(operation);
    return answers[operation]();
  };
  return sent;
}

test('a sign-out wins over a refresh whose reply comes back while it runs', async () => {
  // The gap between the refresh's reply and the revocation's, in ms: the race is in the middle.
  for (const gap of [0, 5, 12, 20, 40]) {
    const storage = slowStorage(10);
    storage.items.set(MARKER, 'alice');
    storage.items.set(TOKENS('alice'), record('alice', 'RT1', now() + 10));
    const auth = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage });
    const refreshed = deferred();
    const revoked = deferred();
    service({ InitiateAuth: () => refreshed.promise, RevokeToken: () => revoked.promise });
    const session = auth.getSession().then((s) => s.username, (e) => e.code);
    await sleep(60);
    const signedOut = auth.signOut();
    await sleep(60);
    refreshed.resolve(result('alice'));
    await sleep(gap);
    revoked.resolve(reply(200, {}));
    await signedOut;
    const got = await session;
    assert.deepEqual([...storage.items.keys()], [], `gap ${gap} ms: nothing stored after the sign-out (getSession gave ${got})`);
    assert.equal((await auth.getSession().catch((e) => e)).code, 'NotSignedIn', `gap ${gap} ms`);
  }
});

test('an older sign-out whose revocation answers late leaves a newer sign-in signed in', async () => {
  const storage = slowStorage(1);
  storage.items.set(MARKER, 'alice');
  storage.items.set(TOKENS('alice'), record('alice', 'RT1'));
  const auth = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage });
  const events = [];
  for (const e of ['signedIn', 'signedOut']) auth.on(e, () => events.push(e));
  const revoked = deferred();
  service({ RevokeToken: () => revoked.promise, InitiateAuth: async () => result('alice', 'RT-new') });
  const signedOut = auth.signOut();
  await sleep(10);
  const signedIn = await auth.signIn({ username: 'alice', password: 'pw', authFlow: 'USER_PASSWORD_AUTH' });
  assert.equal(signedIn.isSignedIn, true);
  revoked.resolve(reply(200, {}));
  await signedOut;
  assert.equal(JSON.parse(storage.items.get(TOKENS('alice'))).refresh_token, 'RT-new');
  assert.equal(storage.items.get(MARKER), 'alice');
  assert.equal((await auth.getSession()).username, 'alice');
  assert.deepEqual(events, ['signedIn'], 'no signedOut for a session that is not the one signed out');
});

test('a negative refresh margin never hands out an expired token', async () => {
  const sent = service({ InitiateAuth: async () => result('alice') });
  const stale = slowStorage(0);
  stale.items.set(MARKER, 'alice');
  stale.items.set(TOKENS('alice'), record('alice', 'RT1', now() - 300));
  const negative = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage: stale, refreshMarginSeconds: -600 });
  assert.equal((await negative.getSession()).username, 'alice');
  assert.deepEqual(sent, ['InitiateAuth'], 'refreshed');
});

/** Web Locks as a browser has them for one origin: a FIFO per name, shared by every tab. */
function webLocks() {
  const queues = new Map();
  return {
    async request(name, callback) {
      const previous = queues.get(name) ?? Promise.resolve();
      let release;
      const held = new Promise((r) => { release = r; });
      queues.set(name, previous.then(() => held));
      await previous;
      try {
        return await callback({ name });
      } finally {
        release();
      }
    },
  };
}

test('a sign-out in one tab while another tab\'s refresh is on the wire leaves no tokens behind', async (t) => {
  await withWebLocks(t);
  // The gap between the removal of the tokens and the refresh's reply, in ms: the race is where
  // the refresh has read the record and writes it back after the other tab removed it.
  for (const gap of [0, 3, 6, 9, 12, 15, 20, 25, 30, 40]) {
    const storage = slowStorage(10);
    storage.items.set(MARKER, 'alice');
    storage.items.set(TOKENS('alice'), record('alice', 'RT1', now() + 10));
    const refreshing = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage });
    const other = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage });
    const refreshed = deferred();
    service({ InitiateAuth: () => refreshed.promise, RevokeToken: async () => reply(200, {}) });
    const session = refreshing.getSession().then((s) => s.username, (e) => e.code);
    await sleep(60);
    const signedOut = other.signOut();
    await sleep(40 - gap);
    refreshed.resolve(result('alice', 'RT2'));
    await signedOut;
    const got = await session;
    assert.deepEqual([...storage.items.keys()], [], `gap ${gap} ms: nothing stored after the sign-out (the refresh gave ${got})`);
  }
});

/** Runs `body` with Web Locks installed as a browser has them. */
async function withWebLocks(t) {
  const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { value: { locks: webLocks() }, configurable: true, writable: true });
  t.after(() => (had ? Object.defineProperty(globalThis, 'navigator', had) : delete globalThis.navigator));
}

test('a sign-out waiting for the lock while a refresh is refused tells the listeners once', async (t) => {
  await withWebLocks(t);
  const storage = slowStorage(1);
  storage.items.set(MARKER, 'alice');
  storage.items.set(TOKENS('alice'), record('alice', 'RT1', now() + 10));
  const auth = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage });
  const told = [];
  auth.on('signedOut', () => told.push('signedOut'));
  const revoked = deferred();
  const refreshed = deferred();
  service({ RevokeToken: () => revoked.promise, InitiateAuth: () => refreshed.promise });
  const signedOut = auth.signOut();
  await sleep(20);
  // The refresh takes the lock while the revocation is on the wire; the sign-out then waits for it.
  const session = auth.getSession().then((s) => s.username, (e) => e.code);
  await sleep(20);
  revoked.resolve(reply(200, {}));
  await sleep(20);
  refreshed.resolve(reply(400, { __type: 'NotAuthorizedException', message: 'Refresh Token has been revoked' }));
  await signedOut;
  assert.equal(await session, 'NotAuthorizedException');
  assert.deepEqual([...storage.items.keys()], []);
  assert.deepEqual(told, ['signedOut']);
});

test('a sign-out everywhere that fails keeps the tokens a refresh brought meanwhile', async (t) => {
  await withWebLocks(t);
  const storage = slowStorage(1);
  storage.items.set(MARKER, 'alice');
  storage.items.set(TOKENS('alice'), record('alice', 'RT1', now() + 10));
  // A client that rotates refresh tokens: the old one stops working soon after the new one comes.
  const auth = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage, refreshTokenRotation: true });
  const refreshed = deferred();
  const refused = deferred();
  service({ GetTokensFromRefreshToken: () => refreshed.promise, GlobalSignOut: () => refused.promise });
  const session = auth.getSession().then((s) => s.username, (e) => e.code);
  await sleep(20);
  const signedOut = auth.signOut({ global: true }).then(() => 'ok', (e) => e.code);
  await sleep(20);
  refreshed.resolve(result('alice', 'RT2'));
  assert.equal(await session, 'alice');
  refused.resolve(reply(500, { __type: 'InternalErrorException', message: 'try again' }));
  assert.equal(await signedOut, 'InternalErrorException');
  assert.equal(JSON.parse(storage.items.get(TOKENS('alice'))).refresh_token, 'RT2', 'the rotated token is kept');
  assert.equal(storage.items.get(MARKER), 'alice');
});

test('deleting the user while another tab\'s refresh is on the wire leaves no tokens behind', async (t) => {
  await withWebLocks(t);
  for (const gap of [0, 10, 20, 30, 40]) {
    const storage = slowStorage(10);
    storage.items.set(MARKER, 'alice');
    storage.items.set(TOKENS('alice'), record('alice', 'RT1', now() + 10));
    const refreshing = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage });
    const other = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage, refreshMarginSeconds: 0 });
    const refreshed = deferred();
    service({ InitiateAuth: () => refreshed.promise, DeleteUser: async () => reply(200, {}) });
    const session = refreshing.getSession().then((s) => s.username, (e) => e.code);
    await sleep(60);
    const deleted = other.deleteUser();
    await sleep(50 - gap);
    refreshed.resolve(result('alice', 'RT2'));
    await deleted;
    const got = await session;
    assert.deepEqual([...storage.items.keys()], [], `gap ${gap} ms: nothing stored after the deletion (the refresh gave ${got})`);
  }
});

test('a sign-in in one tab while another tab\'s refresh is on the wire leaves only the new session', async (t) => {
  await withWebLocks(t);
  for (const gap of [0, 10, 20, 30, 40, 50]) {
    const storage = slowStorage(10);
    storage.items.set(MARKER, 'alice');
    storage.items.set(TOKENS('alice'), record('alice', 'RT1', now() + 10));
    const refreshing = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage });
    const other = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage });
    const refreshed = deferred();
    globalThis.fetch = async (url, init) => {
      const body = JSON.parse(init.body);
      return body.AuthFlow === 'REFRESH_TOKEN_AUTH' ? refreshed.promise : result('bob', 'RT-bob');
    };
    const session = refreshing.getSession().then((s) => s.username, (e) => e.code);
    await sleep(60);
    const signedIn = other.signIn({ username: 'bob', password: 'pw', authFlow: 'USER_PASSWORD_AUTH' });
    await sleep(60 - gap);
    refreshed.resolve(result('alice', 'RT2'));
    assert.equal((await signedIn).isSignedIn, true);
    const got = await session;
    assert.deepEqual([...storage.items.keys()].sort(), [MARKER, TOKENS('bob')].sort(), `gap ${gap} ms: only bob's session (the refresh gave ${got})`);
    assert.equal(storage.items.get(MARKER), 'bob');
  }
});

/**
 * Two tabs on one storage holding alice's session: another tab's refresh of alice holds the
 * cross-tab lock until `refreshed` answers its request, and `auth` (this tab, its events in `told`)
 * is free to act. The service signs bob in and answers every other operation with `{}`.
 */
async function aliceRefreshingInAnotherTab(t) {
  await withWebLocks(t);
  const storage = slowStorage(1);
  storage.items.set(MARKER, 'alice');
  storage.items.set(TOKENS('alice'), record('alice', 'RT1', now() + 10));
  const refreshed = deferred();
  globalThis.fetch = async (url, init) => {
    const body = JSON.parse(init.body);
    if (body.AuthFlow === 'REFRESH_TOKEN_AUTH') return refreshed.promise;
    if (body.AuthFlow) return result('bob', 'RT-bob');
    return reply(200, {}); // RevokeToken, DeleteUser
  };
  const refreshing = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage });
  refreshing.getSession().catch(() => {});
  await sleep(30);
  const auth = new kit.CognitoAuth({ userPoolId: POOL, clientId: CLIENT, storage, refreshMarginSeconds: 0 });
  const told = [];
  auth.on('signedOut', () => told.push('signedOut'));
  auth.on('signedIn', () => told.push('signedIn'));
  return { storage, refreshed, auth, told };
}

test('a sign-in replaced by a sign-out while it waits for the lock writes nothing, and the sign-out ends the old session', async (t) => {
  const { storage, refreshed, auth, told } = await aliceRefreshingInAnotherTab(t);
  const signedIn = auth.signIn({ username: 'bob', password: 'pw', authFlow: 'USER_PASSWORD_AUTH' }).then(() => 'signed in', (e) => e.code);
  await sleep(20);
  const signedOut = auth.signOut();
  await sleep(20);
  refreshed.resolve(result('alice', 'RT2'));
  await signedOut;
  assert.equal(await signedIn, 'InvalidState');
  assert.deepEqual([...storage.items.keys()], [], 'neither bob\'s session nor alice\'s refreshed one is left');
  assert.deepEqual(told, ['signedOut']);
});

test('deleting the user while a sign-in of another user waits for the lock leaves the new session and tells no sign-out', async (t) => {
  const { storage, refreshed, auth, told } = await aliceRefreshingInAnotherTab(t);
  const signedIn = auth.signIn({ username: 'bob', password: 'pw', authFlow: 'USER_PASSWORD_AUTH' });
  await sleep(20);
  const deleted = auth.deleteUser();
  await sleep(20);
  refreshed.resolve(result('alice', 'RT2'));
  await deleted;
  assert.equal((await signedIn).isSignedIn, true);
  assert.equal(storage.items.get(MARKER), 'bob');
  assert.deepEqual([...storage.items.keys()].sort(), [MARKER, TOKENS('bob')].sort());
  assert.deepEqual(told, ['signedIn']);
});
