// Every view of the pages in every state a user meets (empty, with errors, with notices, with the
// confirmation dialog open), each audited by axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) and
// photographed at a desktop size and a phone size, and checked for reflow at 320 CSS px (what a
// 1280 px window shows at 400 % zoom; 200 % zoom is 640 px). The screenshots go to
// test-output/pages/desktop/ and test-output/pages/phone/, the axe results per state to
// test-output/pages/axe.json, so a change that breaks the layout is seen.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { totp } from './emulator.mjs';
import { PASSLESS, addAuthenticator, axeViolations, confirmedUser, newTab, outboxCode as sentCode, passwordlessUser, root, shotsDir, signIn, startPages, visible } from './pages_harness.mjs';

const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };
const REFLOW_WIDTH = 320;

let env;
const dirs = {};
const results = {};
let count = 0;

before(async () => {
  env = await startPages('views');
  for (const size of Object.keys(SIZES)) dirs[size] = shotsDir(size);
});
after(async () => {
  writeFileSync(join(root, 'test-output/pages/axe.json'), `${JSON.stringify(results, null, 2)}\n`);
  await env?.close();
});

/**
 * Audits and photographs the page as it is, at both sizes, and checks that nothing is wider than a
 * 320 px screen. Returns the problems found, by size.
 */
async function capture(tab, state) {
  const name = `${String(++count).padStart(2, '0')}-${state}`;
  const found = {};
  for (const [size, viewport] of Object.entries(SIZES)) {
    await tab.setViewportSize(viewport);
    const violations = await axeViolations(tab);
    if (violations.length) found[size] = violations;
    await tab.screenshot({ path: join(dirs[size], `${name}.png`), fullPage: true });
  }
  await tab.setViewportSize({ width: REFLOW_WIDTH, height: 640 });
  const reflow = await tab.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: innerWidth }));
  if (reflow.scroll > reflow.width) found.reflow = [`content ${reflow.scroll}px wide in a ${reflow.width}px screen`];
  const positiveTabindex = await tab.evaluate(() => [...document.querySelectorAll('[tabindex]')].filter((el) => el.tabIndex > 0).length);
  if (positiveTabindex) found.focusOrder = [`${positiveTabindex} elements with a positive tabindex`];
  await tab.setViewportSize(SIZES.desktop);
  results[state] = { violations: (found.desktop?.length ?? 0) + (found.phone?.length ?? 0), ...found };
  return found;
}

async function openTab(t) {
  const problems = [];
  const context = await env.browser.newContext({ viewport: SIZES.desktop });
  t.after(() => context.close());
  const tab = await newTab(context, problems, { emulatorUrl: env.emulator.url });
  return { tab, problems };
}

const outboxCode = async (username) =>
  (await fetch(new URL(`_emulator/outbox?poolId=us-east-1_DemoPool1&username=${encodeURIComponent(username)}`, env.emulator.url)).then((r) => r.json()))[0].code;

test('the sign-in, sign-up, confirmation and reset views, empty and with errors', async (t) => {
  const { tab, problems } = await openTab(t);
  const found = {};
  const email = `viewer.${Date.now()}@example.com`;
  await tab.goto(env.server.url);
  const signin = visible(tab, 'signin');
  await signin.waitFor();
  found.signin = await capture(tab, 'signin');
  await signin.getByRole('button', { name: 'Sign in' }).click();
  await signin.locator('[role=alert]', { hasText: 'Enter your email address.' }).waitFor();
  found['signin-empty'] = await capture(tab, 'signin-empty');
  await signIn(tab, 'alice@example.com', 'not the password');
  await signin.locator('[role=alert]', { hasText: 'Incorrect email or password.' }).waitFor();
  found['signin-wrong-password'] = await capture(tab, 'signin-wrong-password');

  await tab.goto(`${env.server.url}#signup`);
  const signup = visible(tab, 'signup');
  await signup.waitFor();
  found.signup = await capture(tab, 'signup');
  await signup.getByLabel('Email').fill(email);
  await signup.getByLabel('Password', { exact: true }).fill('short');
  await signup.getByRole('button', { name: 'Create account' }).click();
  await signup.locator('[role=alert]', { hasText: 'Your password needs' }).waitFor();
  found['signup-weak-password'] = await capture(tab, 'signup-weak-password');
  await signup.getByLabel('Password', { exact: true }).fill('Corr3ctHorse');
  await signup.getByRole('button', { name: 'Create account' }).click();

  const confirm = visible(tab, 'confirm');
  await confirm.locator('[data-notice]', { hasText: 'We sent a confirmation code' }).waitFor();
  found.confirm = await capture(tab, 'confirm');
  await confirm.getByLabel('Confirmation code').fill('000000');
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await confirm.locator('[role=alert]', { hasText: 'That code is not right' }).waitFor();
  found['confirm-wrong-code'] = await capture(tab, 'confirm-wrong-code');
  await confirm.getByLabel('Confirmation code').fill(await outboxCode(email));
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await signin.locator('[data-notice]', { hasText: 'Your account is confirmed' }).waitFor();
  found['signin-confirmed'] = await capture(tab, 'signin-confirmed');

  await tab.goto(`${env.server.url}#forgot`);
  const forgot = visible(tab, 'forgot');
  await forgot.waitFor();
  await forgot.getByLabel('Email').fill('');
  found.forgot = await capture(tab, 'forgot');
  await forgot.getByRole('button', { name: 'Send code' }).click();
  await forgot.locator('[role=alert]', { hasText: 'Enter your email address.' }).waitFor();
  found['forgot-empty'] = await capture(tab, 'forgot-empty');
  await forgot.getByLabel('Email').fill(email);
  await forgot.getByRole('button', { name: 'Send code' }).click();
  const reset = visible(tab, 'reset');
  await reset.locator('[data-notice]', { hasText: 'We sent a code' }).waitFor();
  found.reset = await capture(tab, 'reset');
  await reset.getByLabel('Code', { exact: true }).fill('000000');
  await reset.getByLabel('New password').fill('Batt3ryStaple');
  await reset.getByRole('button', { name: 'Reset password' }).click();
  await reset.locator('[role=alert]', { hasText: 'That code is not right' }).waitFor();
  found['reset-wrong-code'] = await capture(tab, 'reset-wrong-code');

  // The demo outbox, open.
  await tab.locator('[data-outbox] summary').click();
  await tab.locator('[data-outbox-list] li').first().waitFor();
  found['reset-with-outbox'] = await capture(tab, 'reset-with-outbox');

  assert.deepEqual(Object.fromEntries(Object.entries(found).filter(([, v]) => Object.keys(v).length)), {});
  assert.deepEqual(problems, []);
});

test('the sign-in steps: new password, code, choice of factor, authenticator setup', async (t) => {
  const { tab, problems } = await openTab(t);
  const found = {};
  await tab.goto(env.server.url);
  await signIn(tab, 'bob@example.com', 'TempPassw0rd');
  const newPassword = visible(tab, 'new-password');
  await newPassword.waitFor();
  found['new-password'] = await capture(tab, 'new-password');
  await newPassword.getByLabel('New password').fill('weak');
  await newPassword.getByRole('button', { name: 'Set password and sign in' }).click();
  await newPassword.locator('[role=alert]', { hasText: 'Your password needs' }).waitFor();
  found['new-password-weak'] = await capture(tab, 'new-password-weak');
  await newPassword.getByRole('link', { name: 'Start over' }).click();

  await signIn(tab, 'carol@example.com', 'Passw0rd!');
  const mfa = visible(tab, 'mfa');
  await mfa.waitFor();
  found.mfa = await capture(tab, 'mfa');
  await mfa.getByLabel('Code', { exact: true }).fill(String((Number(totp('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')) + 1) % 1_000_000).padStart(6, '0'));
  await mfa.getByRole('button', { name: 'Verify' }).click();
  await mfa.locator('[role=alert]', { hasText: /\S/ }).waitFor();
  found['mfa-wrong-code'] = await capture(tab, 'mfa-wrong-code');

  await tab.goto(env.mfaServer.url);
  await signIn(tab, 'chooser', 'Passw0rd!', { label: 'Username' });
  await visible(tab, 'select-mfa').waitFor();
  found['select-mfa'] = await capture(tab, 'select-mfa');
  await visible(tab, 'select-mfa').getByRole('link', { name: 'Start over' }).click();
  await signIn(tab, 'setup-me', 'Passw0rd!', { label: 'Username' });
  const setup = visible(tab, 'totp-setup');
  await setup.waitFor();
  found['totp-setup-during-sign-in'] = await capture(tab, 'totp-setup-during-sign-in');
  await setup.getByRole('button', { name: 'Turn on' }).click();
  await setup.locator('[role=alert]', { hasText: 'Enter the code.' }).waitFor();
  found['totp-setup-empty'] = await capture(tab, 'totp-setup-empty');

  // A custom challenge (a pool whose Lambda triggers ask a question), answered by a made-up reply.
  const pool = new URL(env.emulator.url).origin;
  await tab.route(
    (url) => url.origin === pool,
    (route) =>
      route.request().headers()['x-amz-target']?.endsWith('.InitiateAuth')
        ? route.fulfill({ status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ ChallengeName: 'CUSTOM_CHALLENGE', Session: 'session', ChallengeParameters: { USERNAME: 'alice', question: 'What is six times seven?' } }) })
        : route.continue(),
  );
  await tab.goto(env.server.url);
  await signIn(tab, 'alice@example.com', 'Passw0rd!');
  const custom = visible(tab, 'custom');
  await custom.waitFor();
  found.custom = await capture(tab, 'custom');
  await custom.getByRole('button', { name: 'Continue' }).click();
  await custom.locator('[role=alert]', { hasText: 'Enter your answer.' }).waitFor();
  found['custom-empty'] = await capture(tab, 'custom-empty');
  await tab.unrouteAll();

  // Pages whose configuration cannot be read.
  await tab.route('**/config.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await tab.goto(env.server.url);
  await tab.locator('[data-fatal]:not([hidden])').waitFor();
  found['not-configured'] = await capture(tab, 'not-configured');
  await tab.unrouteAll();
  problems.splice(0, problems.length, ...problems.filter((p) => !/^HTTP 404 .*config\.json$/.test(p)));

  assert.deepEqual(Object.fromEntries(Object.entries(found).filter(([, v]) => Object.keys(v).length)), {});
  assert.deepEqual(problems, []);
});

test('the account page, its dialog, its errors and notices, and the example app', async (t) => {
  const { tab, problems } = await openTab(t);
  const found = {};
  const email = `account.${Date.now()}@example.com`;
  await confirmedUser(env.emulator.url, email, 'Fir5tPassword');
  await tab.goto(env.server.url);
  await signIn(tab, email, 'Fir5tPassword');
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: 'Signed in as' }).waitFor();
  found.app = await capture(tab, 'app');

  await tab.goto(`${env.server.url}#account`);
  const account = visible(tab, 'account');
  await tab.locator('[data-devices] li').first().waitFor();
  found.account = await capture(tab, 'account');
  await account.getByLabel('Current password').fill('not-my-password');
  await account.getByLabel('New password').fill('Sec0ndPassword');
  await account.getByRole('button', { name: 'Change password' }).click();
  await account.locator('[role=alert]', { hasText: 'Your current password is not right.' }).waitFor();
  found['account-wrong-password'] = await capture(tab, 'account-wrong-password');
  await account.getByLabel('Current password').fill('Fir5tPassword');
  await account.getByRole('button', { name: 'Change password' }).click();
  await account.locator('[data-notice]', { hasText: 'Your password is changed.' }).waitFor();
  found['account-password-changed'] = await capture(tab, 'account-password-changed');

  await account.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const setup = visible(tab, 'totp-setup');
  await setup.waitFor();
  found['totp-setup'] = await capture(tab, 'totp-setup');
  await setup.getByLabel('Code from the app').fill('000000');
  await setup.getByRole('button', { name: 'Turn on' }).click();
  await setup.locator('[role=alert]', { hasText: /\S/ }).waitFor();
  found['totp-setup-wrong-code'] = await capture(tab, 'totp-setup-wrong-code');
  const secret = (await tab.locator('[data-totp-secret]').textContent()).replace(/\s/g, '');
  await setup.getByLabel('Code from the app').fill(totp(secret));
  await setup.getByRole('button', { name: 'Turn on' }).click();
  await account.locator('[data-notice]', { hasText: 'The authenticator app is on' }).waitFor();
  found['account-totp-on'] = await capture(tab, 'account-totp-on');
  await account.getByRole('button', { name: 'Turn off the authenticator app' }).click();
  await tab.getByRole('dialog').waitFor();
  found['account-confirm-turn-off'] = await capture(tab, 'account-confirm-turn-off');
  await tab.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  await tab.locator('[data-devices] li').first().getByRole('button', { name: /^Forget / }).click();
  await tab.getByRole('dialog').waitFor();
  found['account-confirm-forget'] = await capture(tab, 'account-confirm-forget');
  await tab.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

  await account.getByRole('button', { name: 'Sign out', exact: true }).click();
  await visible(tab, 'signin').locator('[data-notice]', { hasText: 'You are signed out.' }).waitFor();
  found['signin-signed-out'] = await capture(tab, 'signin-signed-out');

  assert.deepEqual(Object.fromEntries(Object.entries(found).filter(([, v]) => Object.keys(v).length)), {});
  assert.deepEqual(problems, []);
});

test('the passwordless views: other ways to sign in, the choice of factor, the password step, sign-up without a password, passkeys on the account page', async (t) => {
  const { tab, problems } = await openTab(t);
  const found = {};
  const base = env.passless.url;
  await addAuthenticator(tab);
  const email = `passless.${Date.now()}@example.com`;
  await passwordlessUser(env.emulator.url, email);
  const code = () => sentCode(env.emulator.url, PASSLESS.poolId, email);

  await tab.goto(base);
  const signin = visible(tab, 'signin');
  await signin.waitFor();
  found['passwordless-signin'] = await capture(tab, 'passwordless-signin');
  await signin.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await signin.locator('[role=alert]', { hasText: 'Enter your email address.' }).waitFor();
  found['passwordless-signin-empty'] = await capture(tab, 'passwordless-signin-empty');

  // No passkey yet: the choice, with a word on why.
  await signin.getByLabel('Email').fill(email);
  await signin.getByRole('button', { name: 'Sign in with a passkey' }).click();
  const choice = visible(tab, 'select-factor');
  await choice.locator('[data-notice]', { hasText: 'There is no passkey for this account yet.' }).waitFor();
  found['select-factor-no-passkey'] = await capture(tab, 'select-factor-no-passkey');
  await choice.getByLabel('A code sent by email').check();
  await choice.getByRole('button', { name: 'Continue' }).click();
  const mfa = visible(tab, 'mfa');
  await mfa.waitFor();
  found['email-code'] = await capture(tab, 'email-code');
  const right = await code();
  await mfa.getByLabel('Code', { exact: true }).fill(right === '000000' ? '111111' : '000000');
  await mfa.getByRole('button', { name: 'Verify' }).click();
  await mfa.locator('[role=alert]', { hasText: 'That code is not right' }).waitFor();
  found['email-code-wrong'] = await capture(tab, 'email-code-wrong');
  await mfa.getByLabel('Code', { exact: true }).fill(right);
  await mfa.getByRole('button', { name: 'Verify' }).click();
  await tab.waitForURL(/app\.html$/);

  // The account page: no password to change; passkeys listed, added, asked before deletion.
  await tab.goto(`${base}#account`);
  const account = visible(tab, 'account');
  await account.locator('[data-passkeys] li', { hasText: 'No passkeys yet.' }).waitFor();
  found['account-no-passkeys'] = await capture(tab, 'account-no-passkeys');
  await account.getByRole('button', { name: 'Add a passkey' }).click();
  await account.locator('[data-notice]', { hasText: 'Your passkey is added' }).waitFor();
  found['account-passkey-added'] = await capture(tab, 'account-passkey-added');
  await account.getByRole('button', { name: 'Add a passkey' }).click();
  await account.locator('[data-part="passkeys"] [role=alert]', { hasText: 'This device already holds a passkey for your account.' }).waitFor();
  found['account-passkey-exists'] = await capture(tab, 'account-passkey-exists');
  await account.getByRole('button', { name: /^Delete passkey / }).click();
  await tab.getByRole('dialog').waitFor();
  found['account-confirm-delete-passkey'] = await capture(tab, 'account-confirm-delete-passkey');
  await tab.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

  // The choice with the passkey offered, a declined passkey, and the password step (pia has one).
  await account.getByRole('button', { name: 'Sign out', exact: true }).click();
  await signin.getByLabel('Email').fill(email);
  await signin.getByRole('button', { name: 'Other ways to sign in' }).click();
  await choice.getByLabel('A passkey (fingerprint, face or screen lock)').waitFor();
  found['select-factor'] = await capture(tab, 'select-factor');
  await tab.evaluate(() => {
    navigator.credentials.get = () => Promise.reject(new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError'));
  });
  await choice.getByRole('button', { name: 'Continue' }).click();
  await choice.locator('[role=alert]', { hasText: 'The passkey was not used.' }).waitFor();
  found['select-factor-passkey-declined'] = await capture(tab, 'select-factor-passkey-declined');
  await choice.getByRole('link', { name: 'Start over' }).click();
  await signin.getByLabel('Email').fill('pia@example.com');
  await signin.getByRole('button', { name: 'Other ways to sign in' }).click();
  await choice.getByLabel('Your password').check();
  await choice.getByRole('button', { name: 'Continue' }).click();
  await visible(tab, 'signin-password').waitFor();
  found['signin-password'] = await capture(tab, 'signin-password');
  await visible(tab, 'signin-password').getByRole('button', { name: 'Sign in' }).click();
  await visible(tab, 'signin-password').locator('[role=alert]', { hasText: 'Enter your password.' }).waitFor();
  found['signin-password-empty'] = await capture(tab, 'signin-password-empty');

  await tab.goto(`${base}#signup`);
  await visible(tab, 'signup').waitFor();
  found['signup-passwordless'] = await capture(tab, 'signup-passwordless');

  assert.deepEqual(Object.fromEntries(Object.entries(found).filter(([, v]) => Object.keys(v).length)), {});
  assert.deepEqual(problems, []);
});
