// The hosted-UI pages (www/), built as `make demo` builds them and served with their real headers
// (CSP included), driven in headless Chromium by clicking and typing like a user, against the
// emulator's demo pool. Screenshots of the journey go to test-output/pages/journey/ (git-ignored);
// pages_views.test.mjs shoots every view at desktop and phone sizes.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, totp } from './emulator.mjs';
import { buildWww, callUserPool, serveWww } from '../../scripts/www.mjs';
import { PASSLESS, addAuthenticator, outboxCode as sentCode, outboxMessages, passwordlessUser, startPasswordlessPages } from './pages_harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(root, 'tools/package.json'));
const { chromium } = require('playwright-core');
const jsQR = require('jsqr');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const shots = join(root, 'test-output/pages/journey');
rmSync(shots, { recursive: true, force: true });
mkdirSync(shots, { recursive: true });

let emulator;
let server;
let mfaServer;
let closedServer;
let passless;
let browser;

before(async () => {
  // The demo pool, plus a pool that requires MFA (tests/e2e-pools.json).
  emulator = await startEmulator({ config: join(root, 'tests/e2e-pools.json') });
  const { out } = await buildWww({ out: join(root, 'target/www-test'), endpoint: emulator.url, describe: true });
  server = await serveWww(out, { endpoint: emulator.url });
  const mfa = await buildWww({
    out: join(root, 'target/www-test-mfa'),
    endpoint: emulator.url,
    describe: true,
    config: { userPoolId: 'us-east-1_MfaPool01', clientId: 'mfapublicclient00000000001', refreshTokenRotation: false, branding: { name: 'MFA pool', colors: { '--ck-accent': '#7a1fbf' } } },
  });
  mfaServer = await serveWww(mfa.out, { endpoint: emulator.url });
  const closed = await buildWww({ out: join(root, 'target/www-test-closed'), endpoint: emulator.url, describe: true, config: { signUp: { enabled: false } } });
  closedServer = await serveWww(closed.out, { endpoint: emulator.url });
  passless = await startPasswordlessPages('test', emulator.url);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  await server?.close();
  await mfaServer?.close();
  await closedServer?.close();
  await passless?.close();
  emulator?.stop();
});

/** Every URL a tab requested or showed, to check that no secret ever travels in one. */
const urlsSeen = [];

async function newTab(context, problems) {
  const tab = await context.newPage();
  tab.on('request', (r) => urlsSeen.push(r.url()));
  tab.on('framenavigated', (f) => urlsSeen.push(f.url()));
  tab.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // The service's 400s for wrong codes and passwords are expected; Chromium reports each on the
  // console, so those are checked by status below instead of by message.
  tab.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource')) problems.push(`console.${m.type()}: ${m.text()}`);
  });
  tab.on('response', (r) => {
    if (r.status() >= 400 && !(r.status() === 400 && r.request().method() === 'POST' && new URL(r.url()).origin === new URL(emulator.url).origin)) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return tab;
}

const visible = (tab, name) => tab.locator(`[data-view="${name}"]:not([hidden])`);
let shot = 0;
const screenshot = (tab, name) => tab.screenshot({ path: join(shots, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true });

async function outboxCode(tab, destination, kind) {
  const panel = tab.locator('[data-outbox] details');
  if (!(await panel.evaluate((d) => d.open))) await tab.locator('[data-outbox] summary').click();
  const item = tab.locator('[data-outbox-list] li', { hasText: destination }).filter({ hasText: kind }).first();
  await item.waitFor({ timeout: 10000 });
  const code = (await item.locator('.code').textContent()).trim();
  await tab.locator('[data-outbox] summary').click();
  return code;
}

/** Every visible form control has a label, and every form has an alert region for errors. */
async function assertAccessible(tab) {
  const unlabeled = await tab.evaluate(() =>
    [...document.querySelectorAll('input, button')]
      .filter((el) => el.offsetParent !== null && el.type !== 'hidden')
      .filter((el) => (el.tagName === 'INPUT' ? el.labels.length === 0 : !el.textContent.trim() && !el.getAttribute('aria-label')))
      .map((el) => el.id || el.name || el.outerHTML.slice(0, 60)),
  );
  assert.deepEqual(unlabeled, [], 'controls without a label');
  const formsWithoutAlert = await tab.evaluate(() => [...document.querySelectorAll('form:not([method=dialog])')].filter((f) => !f.querySelector('[role=alert]')).length);
  assert.equal(formsWithoutAlert, 0);
  // axe-core's WCAG 2.2 A/AA rules on what is on screen (evaluated over the DevTools protocol, which
  // the pages' CSP does not govern).
  if (!(await tab.evaluate(() => 'axe' in window))) await tab.evaluate(axeSource);
  const violations = await tab.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], 'axe-core violations');
}

async function signIn(tab, username, password, { remember = false, label = 'Email' } = {}) {
  const form = visible(tab, 'signin');
  await form.waitFor();
  await form.getByLabel(label).fill(username);
  await form.getByLabel('Password', { exact: true }).fill(password);
  if (remember) await form.getByLabel('Remember this device').check();
  await form.getByRole('button', { name: 'Sign in' }).click();
}

test('a user signs up, confirms, sets up TOTP, signs in with it and a remembered device, and resets the password', async () => {
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  const tab = await newTab(context, problems);
  const email = `dana.${Date.now()}@example.com`;
  const password = 'Corr3ctHorse';
  const newPassword = 'Batt3ryStaple';

  // The sign-in page, branded from config.json, with the pool's rules read from DescribeUserPool.
  await tab.goto(server.url);
  await visible(tab, 'signin').waitFor();
  assert.equal(await tab.locator('.brand-name').textContent(), 'cognito-kit demo');
  assert.match(await tab.title(), /Sign in · cognito-kit demo/);
  await assertAccessible(tab);
  await screenshot(tab, 'sign-in');

  // Sign up: email is the username, the password hints follow the pool's policy as the user types.
  await tab.getByRole('link', { name: 'Create an account' }).click();
  await visible(tab, 'signup').waitFor();
  await visible(tab, 'signup').getByLabel('Email').fill(email);
  const hints = tab.locator('#signup-password-rules li');
  assert.deepEqual(await hints.allTextContents(), ['•At least 8 characters (not yet)', '•A lowercase letter (not yet)', '•An uppercase letter (not yet)', '•A number (not yet)']);
  await visible(tab, 'signup').getByLabel('Password', { exact: true }).fill('short1');
  assert.equal(await tab.locator('#signup-password-rules li.met').count(), 2);
  await visible(tab, 'signup').getByLabel('Password', { exact: true }).fill(password);
  assert.equal(await tab.locator('#signup-password-rules li.met').count(), 4);
  await assertAccessible(tab);
  await screenshot(tab, 'sign-up');
  await tab.getByRole('button', { name: 'Create account' }).click();

  // Confirm with the code from the demo outbox.
  await visible(tab, 'confirm').waitFor();
  assert.match(await visible(tab, 'confirm').locator('[data-notice]').textContent(), /We sent a confirmation code to d\*\*\*@e\*\*\* by email/);
  assert.equal(await tab.locator('#confirm-username').inputValue(), email);
  await tab.getByLabel('Confirmation code').fill('000000');
  await tab.getByRole('button', { name: 'Confirm' }).click();
  await visible(tab, 'confirm').locator('[data-error]', { hasText: 'That code is not right' }).waitFor();
  const signUpCode = await outboxCode(tab, email, 'Sign-up code');
  await screenshot(tab, 'confirm-sign-up');
  await tab.getByLabel('Confirmation code').fill(signUpCode);
  await tab.getByRole('button', { name: 'Confirm' }).click();
  await visible(tab, 'signin').locator('[data-notice]', { hasText: 'Your account is confirmed' }).waitFor();

  // Sign in: redirected to the app, which reads the session the pages stored on this origin.
  await signIn(tab, email, password);
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: `Signed in as ${email}.` }).waitFor();
  await screenshot(tab, 'app');
  const stored = await tab.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('cognito-kit.us-east-1_DemoPool1.demopublicclient0000000001.')));
  assert.ok(stored.length > 0, 'tokens are in localStorage under the kit namespace');

  // The account page: attributes, then TOTP setup with a QR code made in the page.
  await tab.getByRole('link', { name: 'Manage your account' }).click();
  await visible(tab, 'account').waitFor();
  await tab.locator('[data-attributes] dd', { hasText: email }).first().waitFor();
  assert.equal(await tab.locator('[data-mfa-status]').textContent(), 'Off.');
  await tab.locator('[data-devices] li').first().waitFor();
  await assertAccessible(tab);
  await screenshot(tab, 'account');
  await tab.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await visible(tab, 'totp-setup').waitFor();
  const secret = (await tab.locator('[data-totp-secret]').textContent()).replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  // The QR code decodes (by an independent reader) to the otpauth URI with the shown secret.
  const pixels = await tab.locator('[data-qr] svg').evaluate(async (svg) => {
    const image = new Image();
    image.src = `data:image/svg+xml,${encodeURIComponent(svg.outerHTML)}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 400;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0, 400, 400);
    return Array.from(ctx.getImageData(0, 0, 400, 400).data);
  });
  const decoded = jsQR(Uint8ClampedArray.from(pixels), 400, 400);
  assert.ok(decoded, 'the QR code is readable');
  assert.match(decoded.data, new RegExp(`^otpauth://totp/.*\\?secret=${secret}&issuer=cognito-kit(%20|\\+)demo`));
  await assertAccessible(tab);
  await screenshot(tab, 'totp-setup');
  // Copying the key is said in a status region (a changed button label is not read out).
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(tab.url()).origin });
  await tab.getByRole('button', { name: 'Copy key' }).click();
  await tab.getByRole('status').filter({ hasText: 'Copied' }).waitFor({ state: 'attached' });
  assert.equal(await tab.evaluate(() => navigator.clipboard.readText()), secret);
  const setupCode = totp(secret);
  await tab.getByLabel('Code from the app').fill(setupCode);
  await tab.getByRole('button', { name: 'Turn on' }).click();
  await visible(tab, 'account').locator('[data-notice]', { hasText: 'The authenticator app is on' }).waitFor();
  // The key and its QR code are gone from the page once set up.
  assert.equal(await tab.locator('[data-totp-secret]').textContent(), '');
  assert.equal(await tab.locator('[data-qr] *').count(), 0);
  assert.equal(await tab.content().then((html) => html.includes(secret)), false);
  await tab.locator('[data-mfa-status]', { hasText: 'On: a code from your authenticator app (preferred).' }).waitFor();
  assert.equal(await tab.getByRole('button', { name: 'Set up an authenticator app' }).isVisible(), false);
  assert.equal(await tab.getByRole('button', { name: 'Turn off the authenticator app' }).isVisible(), true);

  // Sign out, then sign in with the TOTP code (a wrong one first) and remember this device.
  await tab.getByRole('button', { name: 'Sign out', exact: true }).click();
  await visible(tab, 'signin').locator('[data-notice]', { hasText: 'You are signed out.' }).waitFor();
  assert.equal(await tab.evaluate(() => Object.keys(localStorage).filter((k) => /\.(idToken|accessToken|refreshToken)$/.test(k)).length), 0);
  // The next user of this browser starts blank, after a reload too.
  assert.deepEqual(await tab.locator('input[name=username]').evaluateAll((inputs) => inputs.filter((i) => i.value).map((i) => i.id)), []);
  await tab.reload();
  await visible(tab, 'signin').waitFor();
  assert.equal(await visible(tab, 'signin').locator('input[name=username]').inputValue(), '');
  await signIn(tab, email, password, { remember: true });
  await visible(tab, 'mfa').waitFor();
  assert.equal(await tab.locator('[data-mfa-hint]').textContent(), 'Enter the code from your authenticator app.');
  assert.equal(await visible(tab, 'mfa').getByRole('button', { name: 'Send a new code' }).count(), 0);
  const right = totp(secret);
  await visible(tab, 'mfa').getByLabel('Code', { exact: true }).fill(String((Number(right) + 1) % 1_000_000).padStart(6, '0'));
  await tab.getByRole('button', { name: 'Verify' }).click();
  await visible(tab, 'mfa').locator('[data-error]', { hasText: 'That code is not right' }).waitFor();
  await screenshot(tab, 'mfa-code');
  await visible(tab, 'mfa').getByLabel('Code', { exact: true }).fill(totp(secret));
  await tab.getByRole('button', { name: 'Verify' }).click();
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: 'Signed in as' }).waitFor();

  // The device is listed as this one and remembered.
  await tab.getByRole('link', { name: 'Manage your account' }).click();
  const device = tab.locator('[data-devices] li', { hasText: '(this device)' });
  await device.waitFor();
  assert.match(await device.textContent(), /remembered/);
  await screenshot(tab, 'account-with-device');

  // Signed out, the remembered device signs in without the second factor.
  await tab.getByRole('button', { name: 'Sign out', exact: true }).click();
  await signIn(tab, email, password);
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: `Signed in as ${email}.` }).waitFor();
  await tab.getByRole('button', { name: 'Sign out' }).click();
  await tab.waitForURL(/index\.html/);

  // Forgot password: a code from the outbox and a new password.
  await visible(tab, 'signin').waitFor();
  await tab.getByRole('link', { name: 'Forgot your password?' }).click();
  await visible(tab, 'forgot').waitFor();
  await visible(tab, 'forgot').getByLabel('Email').fill(email);
  await screenshot(tab, 'forgot-password');
  await tab.getByRole('button', { name: 'Send code' }).click();
  await visible(tab, 'reset').waitFor();
  const resetCode = await outboxCode(tab, email, 'Password reset code');
  await visible(tab, 'reset').getByLabel('Code', { exact: true }).fill(resetCode);
  await visible(tab, 'reset').getByLabel('New password').fill(newPassword);
  await screenshot(tab, 'reset-password');
  await tab.getByRole('button', { name: 'Reset password' }).click();
  await visible(tab, 'signin').locator('[data-notice]', { hasText: 'Your password is changed' }).waitFor();

  // The old password now fails with a clear error, announced to screen readers — keyboard only,
  // from the top of the page: the skip link, then the fields in order.
  await tab.locator('#signin-username').focus();
  await tab.keyboard.press('Shift+Tab');
  assert.equal(await tab.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await tab.keyboard.press('Enter');
  assert.equal(await tab.evaluate(() => document.activeElement.id), 'signin-title');
  await visible(tab, 'signin').waitFor();
  await tab.keyboard.press('Tab');
  assert.equal(await tab.evaluate(() => document.activeElement.id), 'signin-username');
  await tab.keyboard.press('Control+A');
  await tab.keyboard.type(email);
  await tab.keyboard.press('Tab');
  await tab.keyboard.type(password);
  await tab.keyboard.press('Enter');
  const error = visible(tab, 'signin').locator('[role=alert]', { hasText: 'Incorrect email or password.' });
  await error.waitFor();
  await assertAccessible(tab);
  await screenshot(tab, 'wrong-password');
  await tab.locator('#signin-password').focus();
  await tab.keyboard.type(newPassword);
  await tab.keyboard.press('Enter');
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: `Signed in as ${email}.` }).waitFor();

  // Nothing secret in any URL the pages requested or showed, and no script error or CSP violation.
  const secrets = [password, newPassword, signUpCode, resetCode, secret, setupCode, right];
  assert.deepEqual(urlsSeen.filter((url) => secrets.some((x) => url.includes(x)) || /token|password|code=/i.test(url)), []);
  assert.ok(urlsSeen.length > 20);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the pages say clearly when the service cannot be reached, and keep the user on the form', async () => {
  const problems = [];
  const context = await browser.newContext();
  const tab = await newTab(context, problems);
  await tab.route(`${emulator.url}`, (route) =>
    route.request().method() === 'POST'
      ? route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body>Bad Gateway</body></html>' })
      : route.continue(),
  );
  await tab.goto(server.url);
  await signIn(tab, 'alice@example.com', 'Passw0rd!');
  await visible(tab, 'signin').locator('[role=alert]', { hasText: 'The sign-in service gave an unexpected answer' }).waitFor();
  await tab.unroute(`${emulator.url}`);
  await signIn(tab, 'alice@example.com', 'Passw0rd!');
  await tab.waitForURL(/app\.html$/);
  assert.deepEqual(problems.filter((p) => !/^HTTP 502 /.test(p)), []);
  await context.close();
});

test('a first sign-in with a temporary password sets a new one on the pages', async () => {
  const problems = [];
  const context = await browser.newContext();
  const tab = await newTab(context, problems);
  await tab.goto(server.url);
  await signIn(tab, 'bob@example.com', 'TempPassw0rd');
  await visible(tab, 'new-password').waitFor();
  await screenshot(tab, 'new-password-required');
  await visible(tab, 'new-password').getByLabel('New password').fill('N3wBobPassword');
  assert.equal(await tab.locator('#new-password-rules li.met').count(), 4);
  await tab.getByRole('button', { name: 'Set password and sign in' }).click();
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: 'Signed in as bob@example.com.' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('where sign-up is turned off, no way to sign up is offered', async () => {
  const context = await browser.newContext();
  const problems = [];
  const tab = await newTab(context, problems);
  await tab.goto(closedServer.url);
  const signin = tab.locator('[data-view="signin"]');
  await signin.waitFor();
  assert.equal(await tab.getByRole('link', { name: 'Create an account' }).count(), 0);
  await tab.goto(`${closedServer.url}#signup`);
  await signin.waitFor();
  assert.equal(await tab.locator('[data-view="signup"]').isVisible(), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test('redirect_uri is only followed when the configuration allows it', async () => {
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(`${server.url}?redirect_uri=${encodeURIComponent('https://evil.example/steal')}`);
  await signIn(tab, 'alice@example.com', 'Passw0rd!');
  // Not an allowed URI: the pages stay on this origin and show the account.
  await visible(tab, 'account').waitFor();
  assert.ok(tab.url().startsWith(server.url));
  // A malformed one is refused the same way, without breaking the page.
  await tab.goto(`${server.url}?redirect_uri=${encodeURIComponent('http://[')}#account`);
  await visible(tab, 'account').waitFor();
  // An allowed one is followed — at once, since this tab is already signed in.
  await tab.goto(`${server.url}?redirect_uri=app.html`);
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: 'Signed in as alice@example.com.' }).waitFor();
  await context.close();
});

test('a pool that requires MFA: TOTP set up inside sign-in, and a choice of factor with an SMS code', async () => {
  const problems = [];
  const context = await browser.newContext();
  const tab = await newTab(context, problems);

  // No MFA yet: the sign-in itself asks for an authenticator app.
  await tab.goto(mfaServer.url);
  await signIn(tab, 'setup-me', 'Passw0rd!', { label: 'Username' });
  await visible(tab, 'totp-setup').waitFor();
  const secret = (await tab.locator('[data-totp-secret]').textContent()).replace(/\s/g, '');
  await tab.getByLabel('Code from the app').fill(totp(secret));
  await screenshot(tab, 'totp-setup-during-sign-in');
  await tab.getByRole('button', { name: 'Turn on' }).click();
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: 'Signed in as setup-me.' }).waitFor();
  await tab.getByRole('button', { name: 'Sign out' }).click();

  // SMS and TOTP both on: the user chooses, then types the code the pool texted.
  await signIn(tab, 'chooser', 'Passw0rd!', { label: 'Username' });
  await visible(tab, 'select-mfa').waitFor();
  await assertAccessible(tab);
  await screenshot(tab, 'select-mfa');
  await tab.getByLabel('Text message (SMS)').check();
  await tab.getByRole('button', { name: 'Continue' }).click();
  await visible(tab, 'mfa').waitFor();
  assert.match(await tab.locator('[data-mfa-hint]').textContent(), /^We sent a code to \+\*+0101\. Enter it below\.$/);
  // An MFA code comes after the password, which the pages do not keep: no "Send a new code" here.
  assert.equal(await visible(tab, 'mfa').getByRole('button', { name: 'Send a new code' }).count(), 0);
  const reply = await fetch(`${emulator.url}/_emulator/outbox?poolId=us-east-1_MfaPool01&username=chooser`).then((r) => r.json());
  await visible(tab, 'mfa').getByLabel('Code', { exact: true }).fill(reply[0].code);
  await tab.getByRole('button', { name: 'Verify' }).click();
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: 'Signed in as chooser.' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone-sized screen the pages fit the width', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const tab = await context.newPage();
  await tab.goto(server.url);
  for (const name of ['signin', 'signup', 'forgot']) {
    await tab.evaluate((n) => (location.hash = n), name);
    await visible(tab, name).waitFor();
    const { scroll, width } = await tab.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    assert.ok(scroll <= width, `${name}: content ${scroll}px wide in a ${width}px screen`);
    await screenshot(tab, `phone-${name}`);
  }
  await context.close();
});

/** A confirmed user of the demo pool, made through the API (SignUp, then AdminConfirmSignUp). */
async function confirmedUser(email, password) {
  await callUserPool(emulator.url, 'SignUp', { ClientId: 'demopublicclient0000000001', Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] });
  await callUserPool(emulator.url, 'AdminConfirmSignUp', { UserPoolId: 'us-east-1_DemoPool1', Username: email }, { admin: true });
}

test('the account page: change password, forget this device, sign out everywhere', async () => {
  const problems = [];
  const email = `erin.${Date.now()}@example.com`;
  await confirmedUser(email, 'Fir5tPassword');
  const context = await browser.newContext();
  const tab = await newTab(context, problems);
  await tab.goto(`${server.url}#account`);
  // Not signed in: the account page sends the user to sign in.
  await visible(tab, 'signin').waitFor();
  await signIn(tab, email, 'Fir5tPassword', { remember: true });
  await tab.waitForURL(/app\.html$/);
  await tab.getByRole('link', { name: 'Manage your account' }).click();
  const account = visible(tab, 'account');
  await account.waitFor();
  assert.equal(await tab.evaluate(() => document.activeElement.id), 'account-title', 'focus starts at the heading');

  // A wrong current password is refused in words; the right one changes it.
  await account.getByLabel('Current password').fill('not-my-password');
  await account.getByLabel('New password').fill('Sec0ndPassword');
  await account.getByRole('button', { name: 'Change password' }).click();
  await account.locator('[data-form="change-password"] [role=alert]', { hasText: 'Your current password is not right.' }).waitFor();
  await account.getByLabel('Current password').fill('Fir5tPassword');
  await account.getByRole('button', { name: 'Change password' }).click();
  await account.locator('[data-notice]', { hasText: 'Your password is changed.' }).waitFor();
  assert.equal(await account.getByLabel('Current password').inputValue(), '', 'password fields are cleared');

  // Forget this (remembered) device: it leaves the list.
  const device = tab.locator('[data-devices] li', { hasText: '(this device)' });
  await device.waitFor();
  await device.getByRole('button', { name: /^Forget / }).click();
  await tab.getByRole('dialog').getByRole('button', { name: 'Forget' }).click();
  await account.locator('[data-notice]', { hasText: 'is forgotten' }).waitFor();
  await tab.locator('[data-devices] li', { hasText: 'No remembered devices.' }).waitFor();

  // A second tab shares the session (same storage); signing out everywhere revokes it for both.
  const other = await newTab(context, problems);
  await other.goto(`${server.url}app.html`);
  await other.locator('[data-status]', { hasText: `Signed in as ${email}.` }).waitFor();
  // When the service cannot be reached, the page says the user is still signed in.
  const pool = new URL(emulator.url).origin;
  const toPool = (url) => url.origin === pool;
  const outage = (route) =>
    route.request().headers()['x-amz-target']?.endsWith('.GlobalSignOut')
      ? route.fulfill({ status: 503, contentType: 'text/html', body: '<h1>Service Unavailable</h1>' })
      : route.continue();
  await tab.route(toPool, outage);
  await account.getByRole('button', { name: 'Sign out everywhere' }).click();
  await account.locator('[role=alert]', { hasText: 'You are still signed in, here and elsewhere.' }).waitFor();
  assert.ok(await account.isVisible());
  await tab.unroute(toPool, outage);
  // A refusal for a missing scope (the pages' configuration) is not an ended session either.
  const scopeless = (route) =>
    route.request().headers()['x-amz-target']?.endsWith('.GlobalSignOut')
      ? route.fulfill({ status: 400, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'NotAuthorizedException', message: 'Access Token does not have required scopes' }) })
      : route.continue();
  await tab.route(toPool, scopeless);
  await account.getByRole('button', { name: 'Sign out everywhere' }).click();
  await account.locator('[role=alert]', { hasText: 'You are still signed in, here and elsewhere.' }).waitFor();
  assert.ok(await account.isVisible());
  await tab.unroute(toPool, scopeless);
  problems.splice(0, problems.length, ...problems.filter((p) => !p.startsWith('HTTP 503 ') && !p.startsWith('HTTP 400 ')));
  await account.getByRole('button', { name: 'Sign out everywhere' }).click();
  await visible(tab, 'signin').locator('[data-notice]', { hasText: 'You are signed out on every device.' }).waitFor();
  assert.equal(await tab.locator('[data-attributes] *').count(), 0, 'the account page forgets the user');
  await other.reload();
  await other.locator('[data-status]', { hasText: 'You are not signed in.' }).waitFor();
  // The new password works; the old one does not.
  await signIn(tab, email, 'Fir5tPassword');
  await visible(tab, 'signin').locator('[role=alert]', { hasText: 'Incorrect email or password.' }).waitFor();
  await signIn(tab, email, 'Sec0ndPassword');
  await tab.waitForURL(/app\.html$/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('branding from config.json: name, title and colours', async () => {
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(mfaServer.url);
  await visible(tab, 'signin').waitFor();
  assert.equal(await tab.locator('.brand-name').textContent(), 'MFA pool');
  assert.match(await tab.title(), /· MFA pool$/);
  const background = await visible(tab, 'signin').getByRole('button', { name: 'Sign in' }).evaluate((b) => getComputedStyle(b).backgroundColor);
  assert.equal(background, 'rgb(122, 31, 191)');
  await context.close();
});

// ---------------------------------------------------------------------------------------------
// The passwordless pool's pages (scripts/demo-passwordless.json), served at http://localhost:PORT.

const passlessCode = (username) => sentCode(emulator.url, PASSLESS.poolId, username);
const wrongCodeFor = (code) => (code === '000000' ? '111111' : '000000');

/** A fresh context on the passwordless pages where `email` asked for a code with `button`: at the code step. */
async function codeStep(email, button) {
  const problems = [];
  const context = await browser.newContext();
  const tab = await newTab(context, problems);
  await tab.goto(passless.url);
  const signin = visible(tab, 'signin');
  await signin.waitFor();
  await signin.getByLabel('Email').fill(email);
  await signin.getByRole('button', { name: button }).click();
  const mfa = visible(tab, 'mfa');
  await mfa.waitFor();
  return { problems, context, tab, signin, mfa };
}

/** Enters `code` at the code step and sends it. */
async function verify(mfa, code) {
  await mfa.getByLabel('Code', { exact: true }).fill(code);
  await mfa.getByRole('button', { name: 'Verify' }).click();
}

test('passwordless: "Email me a code" signs in after a wrong code; the choice of factor and the password step', async () => {
  const { problems, context, tab, signin, mfa } = await codeStep('pia@example.com', 'Email me a code');
  assert.match(await tab.locator('[data-mfa-hint]').textContent(), /^We sent a code to p\S*@\S+\. Enter it below\.$/);
  const code = await passlessCode('pia@example.com');
  await mfa.getByLabel('Code', { exact: true }).fill(wrongCodeFor(code));
  await mfa.getByRole('button', { name: 'Verify' }).click();
  await mfa.locator('[role=alert]', { hasText: 'That code is not right' }).waitFor();
  await screenshot(tab, 'passwordless-email-code-wrong');
  // The step stays open: the right code signs in.
  await mfa.getByLabel('Code', { exact: true }).fill(code);
  await mfa.getByRole('button', { name: 'Verify' }).click();
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: 'Signed in as pia@example.com.' }).waitFor();
  await tab.getByRole('button', { name: 'Sign out' }).click();

  // Other ways: the factors pia has (no passkey), then her password — a wrong one first.
  await signin.getByLabel('Email').fill('pia@example.com');
  await signin.getByRole('button', { name: 'Other ways to sign in' }).click();
  const choice = visible(tab, 'select-factor');
  await choice.waitFor();
  await assertAccessible(tab);
  await screenshot(tab, 'passwordless-select-factor');
  assert.deepEqual(await choice.getByRole('radio').evaluateAll((radios) => radios.map((r) => r.labels[0].textContent.trim())), ['A code sent by email', 'Your password']);
  await choice.getByLabel('Your password').check();
  await choice.getByRole('button', { name: 'Continue' }).click();
  const password = visible(tab, 'signin-password');
  await password.waitFor();
  assert.equal(await tab.evaluate(() => document.activeElement.id), 'factor-password');
  // Whose password it asks for, in words (the hidden username field is for password managers).
  assert.equal(await password.locator('[data-signing-in-as]').textContent(), 'Signing in as pia@example.com');
  await password.getByLabel('Password', { exact: true }).fill('Passw0rd?');
  await password.getByRole('button', { name: 'Sign in' }).click();
  // A wrong password ends that sign-in: back on the form, the email kept, focus on the password.
  await signin.locator('[role=alert]', { hasText: 'Incorrect email or password.' }).waitFor();
  assert.equal(await signin.getByLabel('Email').inputValue(), 'pia@example.com');
  assert.equal(await tab.evaluate(() => document.activeElement.id), 'signin-password');
  await screenshot(tab, 'passwordless-password-wrong');
  await signin.getByRole('button', { name: 'Other ways to sign in' }).click();
  await choice.getByLabel('Your password').check();
  await choice.getByRole('button', { name: 'Continue' }).click();
  await password.getByLabel('Password', { exact: true }).fill('Passw0rd!');
  await password.getByRole('button', { name: 'Sign in' }).click();
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: 'Signed in as pia@example.com.' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('passwordless: "Text me a code" signs in with a texted code after a wrong one; an account without a phone is told and offered the others', async () => {
  // sol@example.com (tests/e2e-pools.json) has a verified phone number.
  const { problems, context, tab, signin, mfa } = await codeStep('sol@example.com', 'Text me a code');
  assert.match(await tab.locator('[data-mfa-hint]').textContent(), /^We sent a code to \+\*+0177\. Enter it below\.$/);
  const messages = await outboxMessages(emulator.url, PASSLESS.poolId, 'sol@example.com');
  const code = messages.find((m) => m.kind === 'SMS_OTP')?.code;
  assert.ok(code, `a texted code in ${JSON.stringify(messages)}`);
  await verify(mfa, wrongCodeFor(code));
  await mfa.locator('[role=alert]', { hasText: 'That code is not right' }).waitFor();
  await verify(mfa, code);
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: 'Signed in as sol@example.com.' }).waitFor();
  await tab.getByRole('button', { name: 'Sign out' }).click();

  // pia has no phone: the service offers what she has, and the page says why it is not a text.
  await signin.getByLabel('Email').fill('pia@example.com');
  await signin.getByRole('button', { name: 'Text me a code' }).click();
  const choice = visible(tab, 'select-factor');
  await choice.locator('[data-notice]', { hasText: 'This account cannot get sign-in codes by text message.' }).waitFor();
  assert.deepEqual(await choice.getByRole('radio').evaluateAll((radios) => radios.map((r) => r.labels[0].textContent.trim())), ['A code sent by email', 'Your password']);
  await assertAccessible(tab);
  await screenshot(tab, 'passwordless-no-phone');
  assert.deepEqual(problems, []);
  await context.close();
});

test('passwordless: "Send a new code" at an emailed code signs in again, which sends another; the new code signs in, the old one no longer does', async () => {
  const { problems, context, tab, mfa } = await codeStep('pia@example.com', 'Email me a code');
  const outbox = async () => (await outboxMessages(emulator.url, PASSLESS.poolId, 'pia@example.com')).filter((m) => m.kind === 'EMAIL_OTP');
  const before = (await outbox()).length;
  const first = await passlessCode('pia@example.com');
  await mfa.getByRole('button', { name: 'Send a new code' }).click();
  await mfa.locator('[data-notice]', { hasText: /^We sent a new code to p\S*@\S+ by email\. Enter it below\.$/ }).waitFor();
  assert.equal((await outbox()).length, before + 1, 'one more code went out');
  assert.equal(await tab.evaluate(() => document.activeElement.id), 'mfa-code');
  const second = await passlessCode('pia@example.com');
  assert.notEqual(second, first);
  // The first code belonged to the sign-in that the new one replaced.
  await verify(mfa, first);
  await mfa.locator('[role=alert]', { hasText: /\S/ }).waitFor();
  await verify(mfa, second);
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: 'Signed in as pia@example.com.' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('passwordless: a "Send a new code" that fails goes back to the form with the reason, the email kept (the earlier step is over)', async () => {
  const { problems, context, tab, signin, mfa } = await codeStep('pia@example.com', 'Email me a code');
  const faults = (body) => fetch(new URL('_emulator/faults', emulator.url), { method: 'POST', body: JSON.stringify(body) });
  assert.equal((await faults({ throttleRate: 1, operations: ['InitiateAuth'] })).status, 200);
  try {
    await mfa.getByRole('button', { name: 'Send a new code' }).click();
    await signin.locator('[role=alert]', { hasText: /\S/ }).waitFor();
  } finally {
    await faults({});
  }
  assert.equal(await signin.getByLabel('Email').inputValue(), 'pia@example.com');
  assert.doesNotMatch(await tab.locator('main').innerText(), /TooManyRequests|Exception/);
  // From the form the user signs in again.
  await signin.getByRole('button', { name: 'Email me a code' }).click();
  await mfa.waitFor();
  await verify(mfa, await passlessCode('pia@example.com'));
  await tab.waitForURL(/app\.html$/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('passwordless: an emailed code answered after the sign-in session expired sends the user back to the form, which says so; a new code signs in', async () => {
  const { problems, context, tab, signin, mfa } = await codeStep('pia@example.com', 'Email me a code');
  const stale = await passlessCode('pia@example.com');
  // The client's sign-in session lasts 3 minutes; the emulator's clock moves past it.
  const moved = await fetch(new URL('_emulator/clock', emulator.url), { method: 'POST', body: JSON.stringify({ advanceSeconds: 181 }) });
  assert.equal(moved.status, 200);
  await verify(mfa, stale);
  await signin.locator('[role=alert]', { hasText: 'This step took too long. Please start again.' }).waitFor();
  assert.equal(await signin.getByLabel('Email').inputValue(), 'pia@example.com');
  assert.doesNotMatch(await tab.locator('main').innerText(), /NotAuthorized|session is expired/);
  // The step's time ran out: no field is to blame for it.
  assert.equal(await tab.locator('[aria-invalid=true]').count(), 0);
  assert.equal(await tab.locator('.field-error').count(), 0);
  await screenshot(tab, 'passwordless-step-expired');
  await signin.getByRole('button', { name: 'Email me a code' }).click();
  await mfa.waitFor();
  await verify(mfa, await passlessCode('pia@example.com'));
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: 'Signed in as pia@example.com.' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('passwordless sign-up: no password asked; confirming the code signs the user in at once', async () => {
  const problems = [];
  const context = await browser.newContext();
  const tab = await newTab(context, problems);
  const email = `nopass.${Date.now()}@example.com`;
  await tab.goto(`${passless.url}#signup`);
  const signup = visible(tab, 'signup');
  await signup.waitFor();
  assert.equal(await signup.locator('input[type=password]:visible').count(), 0, 'no password field');
  await signup.getByText('No password needed').waitFor();
  await signup.getByLabel('Email').fill(email);
  await signup.getByRole('button', { name: 'Create account' }).click();
  const confirm = visible(tab, 'confirm');
  await confirm.locator('[data-notice]', { hasText: 'We sent a confirmation code' }).waitFor();
  await confirm.getByLabel('Confirmation code').fill(await passlessCode(email));
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  // Signed in by the confirmation itself (autoSignIn): no sign-in form in between.
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: `Signed in as ${email}.` }).waitFor();
  await tab.getByRole('link', { name: 'Manage your account' }).click();
  const account = visible(tab, 'account');
  await account.locator('[data-passkeys] li', { hasText: 'No passkeys yet.' }).waitFor();
  // No password to change for a user who has none.
  assert.equal(await account.getByRole('heading', { name: 'Change password' }).count(), 0);
  assert.equal(await account.getByLabel('Current password').isVisible(), false);
  await screenshot(tab, 'passwordless-account');
  assert.deepEqual(problems, []);
  await context.close();
});

test('passkeys: added on the account page, listed with name and date, used to sign in, declined, deleted and then refused', async () => {
  const problems = [];
  const context = await browser.newContext();
  const tab = await newTab(context, problems);
  const authenticator = await addAuthenticator(tab);
  const email = `keyholder.${Date.now()}@example.com`;
  await passwordlessUser(emulator.url, email);
  await tab.goto(passless.url);
  const signin = visible(tab, 'signin');
  await signin.getByLabel('Email').fill(email);
  await signin.getByRole('button', { name: 'Email me a code' }).click();
  // The code is read once the page shows the step (the service has sent it by then).
  await visible(tab, 'mfa').waitFor();
  await visible(tab, 'mfa').getByLabel('Code', { exact: true }).fill(await passlessCode(email));
  await visible(tab, 'mfa').getByRole('button', { name: 'Verify' }).click();
  await tab.waitForURL(/app\.html$/);
  await tab.getByRole('link', { name: 'Manage your account' }).click();
  const account = visible(tab, 'account');
  const list = account.locator('[data-passkeys] li');
  await list.filter({ hasText: 'No passkeys yet.' }).waitFor();

  // Add: the authenticator holds a passkey for localhost, and the list shows it with today's date.
  await account.getByRole('button', { name: 'Add a passkey' }).click();
  await account.locator('[data-notice]', { hasText: 'Your passkey is added' }).waitFor();
  const held = await authenticator.credentials();
  assert.equal(held.length, 1);
  assert.equal(held[0].rpId, 'localhost');
  const today = new Date().toLocaleDateString('en', { dateStyle: 'medium' });
  await list.filter({ hasText: `added ${today}` }).waitFor();
  assert.equal(await list.count(), 1);
  assert.ok((await list.locator('.device-name').textContent()).trim().length > 0, 'the passkey has a name');
  await assertAccessible(tab);
  await screenshot(tab, 'passkeys-listed');

  // Sign out, and in with the passkey: no code, no password.
  await account.getByRole('button', { name: 'Sign out', exact: true }).click();
  await signin.locator('[data-notice]', { hasText: 'You are signed out.' }).waitFor();
  const signCount = held[0].signCount;
  await signin.getByLabel('Email').fill(email);
  await signin.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: `Signed in as ${email}.` }).waitFor();
  assert.ok((await authenticator.credentials())[0].signCount > signCount, 'the authenticator signed');
  await tab.getByRole('button', { name: 'Sign out' }).click();

  // The user declines the passkey (the browser reports NotAllowedError): the choice stays open and
  // an emailed code finishes the same sign-in.
  await signin.getByLabel('Email').fill(email);
  await signin.getByRole('button', { name: 'Other ways to sign in' }).click();
  const choice = visible(tab, 'select-factor');
  await choice.getByLabel('A passkey (fingerprint, face or screen lock)').check();
  await tab.evaluate(() => {
    navigator.credentials.get = () => Promise.reject(new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError'));
  });
  await choice.getByRole('button', { name: 'Continue' }).click();
  await choice.locator('[role=alert]', { hasText: 'The passkey was not used. Try again, or choose another way to sign in.' }).waitFor();
  await assertAccessible(tab);
  await screenshot(tab, 'passkey-declined');
  await choice.getByLabel('A code sent by email').check();
  await choice.getByRole('button', { name: 'Continue' }).click();
  // The code is read once the page shows the step (the service has sent it by then).
  await visible(tab, 'mfa').waitFor();
  await visible(tab, 'mfa').getByLabel('Code', { exact: true }).fill(await passlessCode(email));
  await visible(tab, 'mfa').getByRole('button', { name: 'Verify' }).click();
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: `Signed in as ${email}.` }).waitFor();

  // Delete it (asked first): the list is empty, and the passkey no longer signs in.
  await tab.getByRole('link', { name: 'Manage your account' }).click();
  await list.filter({ hasText: `added ${today}` }).getByRole('button', { name: /^Delete passkey / }).click();
  await tab.getByRole('dialog').getByRole('button', { name: 'Delete passkey' }).click();
  await account.locator('[data-notice]', { hasText: /^The passkey .+ is deleted\.$/ }).waitFor();
  await list.filter({ hasText: 'No passkeys yet.' }).waitFor();
  await account.getByRole('button', { name: 'Sign out', exact: true }).click();
  await signin.getByLabel('Email').fill(email);
  await signin.getByRole('button', { name: 'Sign in with a passkey' }).click();
  // The service no longer offers the passkey: the user is told, and chooses among what is left.
  const choiceLeft = visible(tab, 'select-factor');
  await choiceLeft.locator('[data-notice]', { hasText: 'There is no passkey for this account yet.' }).waitFor();
  assert.deepEqual(await visible(tab, 'select-factor').getByRole('radio').evaluateAll((radios) => radios.map((r) => r.value)), ['EMAIL_OTP']);
  assert.deepEqual(problems, []);
  await context.close();
});
