// The three defects a new user met in the pages that were the engine's to fix (issue #12), shown
// fixed on the pages themselves: a session the service calls expired is refreshed instead of ended,
// the new-password step stays open after a password the service refuses, and a browser stays one
// device however often the user signs in.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { confirmedUser, newTab, signIn, startPages, visible } from './pages_harness.mjs';

let env;
before(async () => {
  env = await startPages('engine');
});
after(() => env?.close());

const unique = (name) => `${name}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;

async function openTab(t) {
  const problems = [];
  const context = await env.browser.newContext({ viewport: { width: 900, height: 900 } });
  t.after(() => context.close());
  const tab = await newTab(context, problems, { emulatorUrl: env.emulator.url });
  return { tab, problems };
}

/** Stored keys of the kit in the tab's localStorage. */
const kitKeys = (tab) => tab.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('cognito-kit.')).sort());

test('an access token the service calls expired (its clock ahead) is refreshed, and the account page stays', async (t) => {
  const { tab, problems } = await openTab(t);
  const email = unique('skew');
  await confirmedUser(env.emulator.url, email, 'Passw0rd!');
  await tab.goto(`${env.server.url}?redirect_uri=nowhere`);
  await signIn(tab, email, 'Passw0rd!');
  await visible(tab, 'account').waitFor();
  const before = await kitKeys(tab);
  // The service's clock moves past the access token's expiry; this browser's clock does not.
  const res = await fetch(`${env.emulator.url.replace(/\/$/, '')}/_emulator/clock`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 3700 }),
  });
  assert.equal(res.status, 200);
  const calls = [];
  tab.on('request', (r) => {
    const target = r.headers()['x-amz-target'];
    if (target) calls.push(target.split('.').pop());
  });
  await tab.reload();
  await visible(tab, 'account').waitFor();
  await tab.locator('[data-devices] li').first().waitFor();
  assert.equal(await visible(tab, 'signin').count(), 0, 'not sent back to sign in');
  assert.ok(calls.includes('InitiateAuth') || calls.includes('GetTokensFromRefreshToken'), `refreshed: ${calls}`);
  assert.ok(!calls.includes('RevokeToken'), 'the refresh token is not revoked');
  assert.deepEqual(await kitKeys(tab), before, 'the session is kept');
  assert.deepEqual(problems, []);
});

test('the new-password step stays open after the service refuses a password, and the next one signs in', async (t) => {
  const { tab, problems } = await openTab(t);
  // The first answer reaches the service with a password its policy refuses (a rule the pages do
  // not know of, say); the emulator answers InvalidPasswordException itself.
  let rewritten = false;
  const pool = new URL(env.emulator.url).origin;
  await tab.route((url) => url.origin === pool, (route) => {
    const request = route.request();
    const body = request.postData() ?? '';
    if (!rewritten && request.headers()['x-amz-target']?.endsWith('.RespondToAuthChallenge') && body.includes('NEW_PASSWORD')) {
      rewritten = true;
      const json = JSON.parse(body);
      json.ChallengeResponses.NEW_PASSWORD = 'weak';
      return route.continue({ postData: JSON.stringify(json) });
    }
    return route.continue();
  });
  await tab.goto(`${env.server.url}?redirect_uri=nowhere`);
  await signIn(tab, 'bob@example.com', 'TempPassw0rd');
  const form = visible(tab, 'new-password');
  await form.waitFor();
  await form.getByLabel('New password').fill('N3wBobPassword');
  await tab.getByRole('button', { name: 'Set password and sign in' }).click();
  await tab.locator('[data-view="new-password"] [data-error]:not(:empty)').waitFor();
  assert.ok(rewritten);
  assert.doesNotMatch(await tab.locator('[data-view="new-password"]').textContent(), /no longer in progress/i);
  // The same step, answered again: no new sign-in needed.
  await tab.getByRole('button', { name: 'Set password and sign in' }).click();
  await visible(tab, 'account').waitFor();
  assert.deepEqual(problems, []);
});

test('signing in again from the same browser does not add a device each time', async (t) => {
  const { tab, problems } = await openTab(t);
  const email = unique('onedevice');
  await confirmedUser(env.emulator.url, email, 'Passw0rd!');
  for (let i = 0; i < 3; i++) {
    await tab.goto(`${env.server.url}?redirect_uri=nowhere`);
    await signIn(tab, email, 'Passw0rd!');
    await visible(tab, 'account').waitFor();
    await tab.locator('[data-devices] li').first().waitFor();
    if (i < 2) {
      await tab.getByRole('button', { name: 'Sign out', exact: true }).click();
      await visible(tab, 'signin').waitFor();
    }
  }
  assert.equal(await tab.locator('[data-devices] li').count(), 1, await tab.locator('[data-devices]').textContent());
  assert.deepEqual(problems, []);
});
