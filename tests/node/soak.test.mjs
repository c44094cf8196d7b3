// The kit under faults (issue #13): several CognitoAuth sessions sign in, refresh and call the API
// for a bounded time while the emulator injects latency, 5xx replies, throttling, dropped
// connections, truncated, non-JSON and slow bodies. Uses only the package's public API
// (pkg-template/README.md). Must hold: no unhandled rejection, every failure a CognitoError with a
// code, retries bounded, and no session lost — tokens survive every transient failure.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, loadKit } from './emulator.mjs';
import { callUserPool } from '../../scripts/www.mjs';

const poolId = 'us-east-1_DemoPool1';
const clientId = 'demopublicclient0000000001'; // rotates refresh tokens (10 s grace)
const SESSIONS = 5;
const SOAK_MS = Number(process.env.SOAK_MS ?? 20_000);
// Failures the kit may report while faults are on: all transient.
const TRANSIENT = new Set(['InternalErrorException', 'TooManyRequestsException', 'NetworkError', 'TimeoutError', 'NotJsonReply']);
const FAULTS = {
  latencyMs: 0, latencyJitterMs: 40,
  errorRate: 0.06, throttleRate: 0.06, dropRate: 0.04, truncateRate: 0.04, notJsonRate: 0.04,
  slowBodyRate: 0.03, slowBodyMs: 400, seed: 13,
};

let emulator;
let kit;
const unhandled = [];
const onUnhandled = (reason) => unhandled.push(reason);
before(async () => {
  process.on('unhandledRejection', onUnhandled);
  [emulator, kit] = await Promise.all([startEmulator(), loadKit()]);
});
after(() => {
  process.off('unhandledRejection', onUnhandled);
  emulator?.stop();
});

async function setFaults(faults) {
  const reply = await fetch(new URL('_emulator/faults', `${emulator.url}/`), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults),
  });
  assert.equal(reply.status, 200, await reply.text());
}

/** Runs `work`, counting the requests the kit sends meanwhile (all sessions together). */
let requests = 0;
function countRequests() {
  const original = globalThis.fetch;
  globalThis.fetch = (...args) => {
    requests += 1;
    return original(...args);
  };
  return () => { globalThis.fetch = original; };
}

function checkFailure(error, where, tally) {
  assert.ok(error instanceof kit.CognitoError, `${where}: not a CognitoError: ${error?.stack ?? error}`);
  assert.equal(typeof error.code, 'string', `${where}: no code`);
  assert.equal(typeof error.retryable, 'boolean', `${where}: no retryable flag`);
  tally.set(error.code, (tally.get(error.code) ?? 0) + 1);
  return error;
}

test('sessions survive a soak of injected faults', { timeout: 60_000 }, async () => {
  const users = Array.from({ length: SESSIONS }, (_, i) => ({ email: `soak${i}-${Date.now()}@example.com`, password: 'Soak-Passw0rd' }));
  for (const { email, password } of users) {
    await callUserPool(emulator.url, 'SignUp', { ClientId: clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] });
    await callUserPool(emulator.url, 'AdminConfirmSignUp', { UserPoolId: poolId, Username: email }, { admin: true });
  }
  const restore = countRequests();
  const tally = new Map();
  let calls = 0;
  let signedOutEvents = 0;
  const sessions = users.map((user) => {
    // Refresh whenever the (60-minute) access token expires within 3597 s: every ~3 s.
    const auth = new kit.CognitoAuth({
      userPoolId: poolId, clientId, endpoint: `${emulator.url}/`, storage: 'memory',
      refreshTokenRotation: true, refreshMarginSeconds: 3597, timeoutMs: 3000,
    });
    auth.on('signedOut', () => { signedOutEvents += 1; });
    return { user, auth, signedIn: false, refreshes: 0 };
  });
  await setFaults(FAULTS);
  const deadline = Date.now() + SOAK_MS;
  const attempt = async (session, what, work) => {
    calls += 1;
    try {
      return await work();
    } catch (error) {
      checkFailure(error, what, tally);
      if (session.signedIn) {
        // Once signed in, only a transient failure may happen: the session is never refused.
        assert.ok(TRANSIENT.has(error.code), `${what} of a signed-in session failed with ${error.code}: ${error.message}`);
        // NotJsonReply is retryable only on 5xx/429 (documented): a cut 200 reply is not.
        if (error.code !== 'NotJsonReply') assert.equal(error.retryable, true, `${what}: ${error.code} must be retryable`);
      }
      return undefined;
    }
  };
  await Promise.all(sessions.map(async (session) => {
    let round = 0;
    while (Date.now() < deadline) {
      round += 1;
      if (!session.signedIn) {
        const result = await attempt(session, 'signIn', () => session.auth.signIn({ username: session.user.email, password: session.user.password }));
        if (result?.isSignedIn) session.signedIn = true;
        else if (result && result.nextStep?.signInStep !== 'DONE') assert.fail(`unexpected step ${JSON.stringify(result.nextStep)}`);
        continue;
      }
      const before = await attempt(session, 'getSession', () => session.auth.getSession());
      if (before) {
        assert.ok(before.accessToken && before.idToken, 'getSession returns tokens');
        session.refreshes += 1;
      }
      if (round % 2 === 0) await attempt(session, 'getUser', () => session.auth.getUser());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }));
  // Faults off: every session is still signed in and works.
  await setFaults({});
  for (const session of sessions) {
    assert.ok(session.signedIn, `${session.user.email} never managed to sign in during the soak`);
    const tokens = await session.auth.getSession();
    assert.ok(tokens.accessToken, 'the session survived');
    const user = await session.auth.getUser();
    assert.ok(JSON.stringify(user).includes(session.user.email));
  }
  restore();
  assert.equal(signedOutEvents, 0, 'no session was ended by a transient failure');
  assert.deepEqual(unhandled, [], 'no unhandled rejection');
  const failures = [...tally.values()].reduce((a, b) => a + b, 0);
  console.log(`# soak: ${SESSIONS} sessions, ${SOAK_MS} ms, ${calls} calls, ${requests} requests, ${failures} failures: ${JSON.stringify(Object.fromEntries(tally))}`);
  assert.ok(failures > 0, 'the faults did happen');
  // Retries bounded: on average well under a handful of requests per call.
  assert.ok(requests <= calls * 4, `${requests} requests for ${calls} calls`);
});

test('retries stop: a call under constant throttling ends with a typed error', { timeout: 60_000 }, async () => {
  await setFaults({});
  const email = `throttled-${Date.now()}@example.com`;
  await callUserPool(emulator.url, 'SignUp', { ClientId: clientId, Username: email, Password: 'Soak-Passw0rd', UserAttributes: [{ Name: 'email', Value: email }] });
  await callUserPool(emulator.url, 'AdminConfirmSignUp', { UserPoolId: poolId, Username: email }, { admin: true });
  const auth = new kit.CognitoAuth({ userPoolId: poolId, clientId, endpoint: `${emulator.url}/`, storage: 'memory', refreshTokenRotation: true });
  await auth.signIn({ username: email, password: 'Soak-Passw0rd' });
  for (const faults of [{ throttleRate: 1 }, { errorRate: 1 }, { dropRate: 1 }, { notJsonRate: 1 }]) {
    await setFaults({ ...faults, operations: ['GetUser'] });
    const before = requests;
    const restore = countRequests();
    const started = Date.now();
    const error = await auth.getUser().then(() => null, (e) => e);
    restore();
    assert.ok(error instanceof kit.CognitoError, `${JSON.stringify(faults)}: ${error}`);
    assert.ok(TRANSIENT.has(error.code), `${JSON.stringify(faults)}: ${error.code}`);
    const sent = requests - before;
    assert.ok(sent >= 1 && sent <= 5, `${JSON.stringify(faults)}: ${sent} requests for one call`);
    assert.ok(Date.now() - started < 30_000, 'the call ended in bounded time');
  }
  await setFaults({});
  assert.ok((await auth.getSession()).accessToken, 'the session survived');
});
