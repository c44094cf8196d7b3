// The sign-in pages held to the standard of the best hosted sign-in pages: one test (or more) per
// defect a new user met — raw service text, focus lost, notices out of view, the authenticator entry
// named by an internal id, contradicting messages, risky actions in one click, password managers
// left out, the demo's loose ends. Each drives the pages in headless Chromium like a user would.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { totp } from './emulator.mjs';
import { DEMO, confirmedUser, focused, newTab, require, root, signIn, startPages, visible } from './pages_harness.mjs';
import { callUserPool } from '../../scripts/www.mjs';

const jsQR = require('jsqr');
let env;
before(async () => {
  env = await startPages('quality');
});
after(() => env?.close());

const unique = (name) => `${name}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;

/** Texts no user should ever read: the service's exception names, HTTP statuses, its messages. */
const RAW = /Exception|HTTP \d|did not conform|policy|SRP_B|InvalidHex|__type|\bcode=|Password must have|not long enough/;

async function openTab(t, options = {}) {
  const problems = [];
  const context = await env.browser.newContext({ viewport: { width: 900, height: 900 }, ...options });
  t.after(() => context.close());
  const tab = await newTab(context, problems, { emulatorUrl: env.emulator.url });
  return { tab, problems, context };
}

/** The user-pool operations a tab called, by name. */
function recordCalls(tab) {
  const calls = [];
  tab.on('request', (r) => {
    const target = r.headers()['x-amz-target'];
    if (target) calls.push(target.split('.').pop());
  });
  return calls;
}

/** Answers one user-pool operation with a made-up reply. */
async function fakeOperation(tab, operation, reply) {
  const pool = new URL(env.emulator.url).origin;
  await tab.route(
    (url) => url.origin === pool,
    (route) => (route.request().headers()['x-amz-target']?.endsWith(`.${operation}`) ? route.fulfill(reply) : route.continue()),
  );
}

/** Signs up and in through the API and the pages; leaves the tab on the account page. */
async function accountPage(tab, email, password) {
  await confirmedUser(env.emulator.url, email, password);
  await tab.goto(`${env.server.url}?redirect_uri=nowhere`);
  await signIn(tab, email, password);
  await visible(tab, 'account').waitFor();
  await tab.locator('[data-devices] li').first().waitFor();
}

async function decodeQr(tab) {
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
  return jsQR(Uint8ClampedArray.from(pixels), 400, 400)?.data;
}

async function turnOnTotp(tab) {
  await tab.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await visible(tab, 'totp-setup').waitFor();
  const secret = (await tab.locator('[data-totp-secret]').textContent()).replace(/\s/g, '');
  await tab.getByLabel('Code from the app').fill(totp(secret));
  await tab.getByRole('button', { name: 'Turn on' }).click();
  await visible(tab, 'account').locator('[data-notice]', { hasText: 'The authenticator app is on' }).waitFor();
  return secret;
}

// 1. Raw service text in errors.

test('1: a form does not submit while the password rules it shows are unmet, and says which rule fails', async (t) => {
  const { tab, problems } = await openTab(t);
  const calls = recordCalls(tab);
  await tab.goto(`${env.server.url}#signup`);
  const signup = visible(tab, 'signup');
  await signup.getByLabel('Email').fill(unique('weak'));
  await signup.getByLabel('Password', { exact: true }).fill('weakpassword');
  await signup.getByRole('button', { name: 'Create account' }).click();
  const alert = signup.locator('[role=alert]');
  await alert.filter({ hasText: /\S/ }).waitFor();
  assert.equal(await alert.textContent(), 'Your password needs an uppercase letter and a number.');
  assert.deepEqual(calls.filter((c) => c === 'SignUp'), [], 'nothing was sent');
  assert.equal(await focused(tab), '#signup-password');
  assert.equal(await tab.locator('#signup-password').getAttribute('aria-invalid'), 'true');
  assert.deepEqual(problems, []);
});

test('1: an error about one field is shown under it and describes it; the alert keeps it for screen readers; it goes when the form is right', async (t) => {
  const { tab, problems } = await openTab(t);
  await tab.goto(`${env.server.url}#signup`);
  const signup = visible(tab, 'signup');
  await signup.getByLabel('Email').fill(unique('inline'));
  const password = signup.getByLabel('Password', { exact: true });
  await password.fill('weakpassword');
  await signup.getByRole('button', { name: 'Create account' }).click();
  const under = signup.locator('#signup-password-error');
  await under.waitFor();
  const text = 'Your password needs an uppercase letter and a number.';
  assert.equal(await under.textContent(), text);
  // Right under the field's row (the field and its Show button), above the rules.
  const [field, message] = [await signup.locator('.secret-field').first().boundingBox(), await under.boundingBox()];
  assert.ok(message.y >= field.y + field.height && message.y - (field.y + field.height) < 24, JSON.stringify({ field, message }));
  // The field is described by the rules and by the message; the alert (the live region) still
  // holds the text, hidden from sight only.
  assert.equal(await tab.locator('#signup-password').getAttribute('aria-describedby'), 'signup-password-error signup-password-rules');
  const alert = signup.locator('[role=alert]');
  assert.equal(await alert.textContent(), text);
  assert.equal(await alert.evaluate((e) => e.getBoundingClientRect().width), 1);
  // The same error sent again replaces the message rather than adding a second one.
  await signup.getByRole('button', { name: 'Create account' }).click();
  await tab.waitForTimeout(100);
  assert.equal(await signup.locator('.field-error').count(), 1);
  // Leaving the view takes it away, and the field's description is the rules again.
  await tab.goto(`${env.server.url}#signin`);
  await visible(tab, 'signin').waitFor();
  assert.equal(await tab.locator('.field-error').count(), 0);
  assert.equal(await tab.locator('#signup-password').getAttribute('aria-describedby'), 'signup-password-rules');
  assert.equal(await tab.locator('[data-view="signup"] [role=alert]').evaluate((e) => e.classList.contains('visually-hidden')), false);
  assert.deepEqual(problems, []);
});

test('1: the service refusing a password is told in words that name the rule, never in its own text', async (t) => {
  const { tab, problems } = await openTab(t);
  // A pool whose description is not beside the pages: the hints know only the default length, so
  // the service is the one to refuse the password.
  await tab.route('**/user-pool.json', (route) => route.fulfill({ json: { UserPool: { UsernameAttributes: ['email'] } } }));
  await tab.goto(`${env.server.url}#signup`);
  const signup = visible(tab, 'signup');
  await signup.getByLabel('Email').fill(unique('refused'));
  await signup.getByLabel('Password', { exact: true }).fill('lowercaseonly1');
  await signup.getByRole('button', { name: 'Create account' }).click();
  const alert = signup.locator('[role=alert]');
  await alert.filter({ hasText: /\S/ }).waitFor();
  const text = await alert.textContent();
  assert.equal(text, 'Your password needs an uppercase letter.');
  assert.doesNotMatch(text, RAW);
  assert.equal(await focused(tab), '#signup-password');
  assert.deepEqual(problems, []);
});

test('1, 8: every error code the sign-in can meet is a plain sentence, and nothing of the reply reaches the screen', async (t) => {
  const { tab } = await openTab(t);
  await tab.goto(env.server.url);
  const cases = {
    NotAuthorizedException: 'Incorrect email or password.',
    UserNotFoundException: 'Incorrect email or password.',
    TooManyRequestsException: 'Too many attempts. Wait a while and try again.',
    LimitExceededException: 'Too many attempts. Wait a while and try again.',
    InternalErrorException: 'The sign-in service had a problem. Try again in a moment.',
    InvalidParameterException: 'Some of the details are not valid. Check them and try again.',
    ResourceNotFoundException: 'Signing in is not set up correctly here. Please contact support.',
    UserLambdaValidationException: 'The service did not accept these details. Check them or contact support.',
    SomethingNewException: 'Something went wrong. Try again.',
  };
  for (const [code, expected] of Object.entries(cases)) {
    await tab.unrouteAll();
    await fakeOperation(tab, 'InitiateAuth', { status: 400, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: code, message: 'raw words from the service 0xDEADBEEF' }) });
    await signIn(tab, 'alice@example.com', 'Passw0rd!');
    const alert = visible(tab, 'signin').locator('[role=alert]');
    await alert.filter({ hasText: expected }).waitFor();
    assert.doesNotMatch(await tab.locator('main').innerText(), /0xDEADBEEF|Exception/, code);
  }
  // Where the service's message tells refusals apart, the words follow it — still without it.
  for (const [code, message, expected] of [
    ['NotAuthorizedException', 'User is disabled.', 'This account is disabled. Please contact support.'],
    ['NotAuthorizedException', 'Password attempts exceeded', 'Too many attempts. Wait a while and try again.'],
  ]) {
    await tab.unrouteAll();
    await fakeOperation(tab, 'InitiateAuth', { status: 400, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: code, message }) });
    await signIn(tab, 'alice@example.com', 'Passw0rd!');
    await visible(tab, 'signin').locator('[role=alert]', { hasText: expected }).waitFor();
  }
  // A malformed SRP value from the service (the kit refuses it with InvalidHex) is an unexpected answer.
  await tab.unrouteAll();
  await fakeOperation(tab, 'InitiateAuth', {
    status: 200,
    contentType: 'application/x-amz-json-1.1',
    body: JSON.stringify({ ChallengeName: 'PASSWORD_VERIFIER', Session: 's', ChallengeParameters: { SRP_B: 'not hex', SALT: 'zz', SECRET_BLOCK: 'AAAA', USER_ID_FOR_SRP: 'alice', USERNAME: 'alice' } }),
  });
  await signIn(tab, 'alice@example.com', 'Passw0rd!');
  await visible(tab, 'signin').locator('[role=alert]', { hasText: 'The sign-in service gave an unexpected answer. Try again in a moment.' }).waitFor();
  assert.doesNotMatch(await tab.locator('main').innerText(), RAW);
});

test('1: every way a passkey can fail is a plain sentence, and the user stays where another way is offered', async (t) => {
  const { tab, problems } = await openTab(t);
  await tab.goto(env.passless.url);
  const signin = visible(tab, 'signin');
  await signin.waitFor();
  // The service asks for a passkey (a made-up challenge); the platform fails in each of its ways.
  await fakeOperation(tab, 'InitiateAuth', {
    status: 200,
    contentType: 'application/x-amz-json-1.1',
    body: JSON.stringify({
      ChallengeName: 'WEB_AUTHN',
      Session: 'session',
      ChallengeParameters: { CREDENTIAL_REQUEST_OPTIONS: JSON.stringify({ challenge: 'AAAAAAAAAAAAAAAAAAAAAA', rpId: 'localhost', allowCredentials: [], userVerification: 'preferred', timeout: 60000 }) },
    }),
  });
  const cases = {
    NotAllowedError: 'The passkey was not used. Try again, or choose another way to sign in.',
    AbortError: 'The passkey was not used. Try again, or choose another way to sign in.',
    NotSupportedError: 'This browser or device cannot use passkeys. Choose another way to sign in.',
    SecurityError: 'Passkeys do not work at this address. Contact the support of this site.',
    UnknownError: 'The passkey did not work. Try again, or choose another way to sign in.',
  };
  for (const [name, expected] of Object.entries(cases)) {
    await tab.evaluate((domName) => {
      navigator.credentials.get = () => Promise.reject(new DOMException(`raw platform words 0xDEADBEEF (${domName})`, domName));
    }, name);
    await signin.getByLabel('Email').fill('pia@example.com');
    await signin.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await signin.locator('[role=alert]', { hasText: expected }).waitFor();
    assert.doesNotMatch(await tab.locator('main').innerText(), /0xDEADBEEF|Error\b|Passkey[A-Z]/, name);
    assert.ok(await signin.getByRole('button', { name: 'Email me a code' }).isEnabled(), `${name}: the other ways stay offered`);
  }
  // A pool without passkeys, in the service's words: still a sentence of the pages' own.
  await tab.unrouteAll();
  await fakeOperation(tab, 'InitiateAuth', { status: 400, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'WebAuthnNotEnabledException', message: 'raw words 0xDEADBEEF' }) });
  await signin.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await signin.locator('[role=alert]', { hasText: 'Passkeys are not available on this site.' }).waitFor();
  assert.doesNotMatch(await tab.locator('main').innerText(), RAW);
  assert.deepEqual(problems, []);
});

test('1: pages without a password field ask for the username, then offer the factors the user has', async (t) => {
  const { tab, problems } = await openTab(t);
  await tab.route('**/config.json', async (route) => {
    const reply = await route.fetch();
    route.fulfill({ response: reply, json: { ...(await reply.json()), signIn: { password: false, passkey: true, emailCode: true } } });
  });
  await tab.goto(env.passless.url);
  const signin = visible(tab, 'signin');
  await signin.getByRole('button', { name: 'Continue' }).waitFor();
  assert.equal(await signin.locator('input[type=password]').isVisible(), false, 'no password field');
  assert.equal(await signin.getByRole('button', { name: 'Other ways to sign in' }).count(), 0, 'Continue is the other ways');
  await signin.getByLabel('Email').fill('pia@example.com');
  await signin.getByLabel('Email').press('Enter');
  const choice = visible(tab, 'select-factor');
  await choice.waitFor();
  assert.deepEqual(await choice.getByRole('radio').evaluateAll((radios) => radios.map((r) => r.value)), ['EMAIL_OTP', 'PASSWORD_SRP']);
  assert.deepEqual(problems, []);
});

// 2. Keyboard focus after a button action.

test('2: after each action focus goes to the first empty or invalid field, or to the message — never to the page', async (t) => {
  const { tab, problems } = await openTab(t);
  const email = unique('focus');
  await tab.goto(`${env.server.url}#signup`);
  const signup = visible(tab, 'signup');
  // An empty form: the first empty field.
  await signup.getByRole('button', { name: 'Create account' }).click();
  assert.equal(await focused(tab), '#signup-username');
  await signup.getByLabel('Email').fill(email);
  await signup.getByLabel('Password', { exact: true }).fill('Corr3ctHorse');
  await signup.getByRole('button', { name: 'Create account' }).click();
  // Confirm: the email is prefilled, so the code field, not the heading.
  await visible(tab, 'confirm').waitFor();
  assert.equal(await focused(tab), '#confirm-code');
  await tab.getByLabel('Confirmation code').fill('000000');
  await tab.getByRole('button', { name: 'Confirm' }).click();
  await visible(tab, 'confirm').locator('[role=alert]', { hasText: 'That code is not right' }).waitFor();
  assert.equal(await focused(tab), '#confirm-code', 'a wrong code: the code field');
  assert.equal(await tab.locator('#confirm-code').getAttribute('aria-invalid'), 'true');
  await tab.getByRole('button', { name: 'Send a new code' }).click();
  await visible(tab, 'confirm').locator('[data-notice]', { hasText: 'We sent a new code' }).waitFor();
  assert.equal(await focused(tab), '#confirm-code', 'a new code sent: the code field');
  const code = (await fetch(new URL(`_emulator/outbox?poolId=${DEMO.poolId}&username=${encodeURIComponent(email)}`, env.emulator.url)).then((r) => r.json()))[0].code;
  await tab.getByLabel('Confirmation code').fill(code);
  await tab.getByRole('button', { name: 'Confirm' }).click();
  // Sign in: the email is prefilled, so the password field.
  await visible(tab, 'signin').locator('[data-notice]', { hasText: 'Your account is confirmed' }).waitFor();
  assert.equal(await focused(tab), '#signin-password');

  // The account page's actions.
  await visible(tab, 'signin').getByLabel('Password', { exact: true }).fill('Corr3ctHorse');
  await visible(tab, 'signin').getByRole('button', { name: 'Sign in' }).click();
  await tab.waitForURL(/app\.html$/);
  await tab.goto(`${env.server.url}#account`);
  const account = visible(tab, 'account');
  await tab.locator('[data-devices] li').first().waitFor();
  await account.getByLabel('Current password').fill('not-my-password');
  await account.getByLabel('New password').fill('Sec0ndPassword');
  await account.getByRole('button', { name: 'Change password' }).click();
  await account.locator('[role=alert]', { hasText: 'Your current password is not right.' }).waitFor();
  assert.equal(await focused(tab), '#change-old', 'a wrong current password: that field');
  await account.getByLabel('Current password').fill('Corr3ctHorse');
  await account.getByRole('button', { name: 'Change password' }).click();
  await account.locator('[data-notice]', { hasText: 'Your password is changed.' }).waitFor();
  assert.match(await focused(tab), /^div\[data-notice\]:Your password is changed\./, 'success: the message');

  // TOTP: a wrong code keeps focus on the code field; turning it on and off lands on the message.
  await tab.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await visible(tab, 'totp-setup').waitFor();
  await tab.getByLabel('Code from the app').fill('000000');
  await tab.getByRole('button', { name: 'Turn on' }).click();
  await visible(tab, 'totp-setup').locator('[role=alert]', { hasText: /\S/ }).waitFor();
  assert.equal(await focused(tab), '#totp-code');
  const secret = (await tab.locator('[data-totp-secret]').textContent()).replace(/\s/g, '');
  await tab.getByLabel('Code from the app').fill(totp(secret));
  await tab.getByRole('button', { name: 'Turn on' }).click();
  await account.locator('[data-notice]', { hasText: 'The authenticator app is on' }).waitFor();
  assert.match(await focused(tab), /^div\[data-notice\]:The authenticator app is on/);
  await tab.getByRole('button', { name: 'Turn off the authenticator app' }).click();
  await tab.getByRole('dialog').getByRole('button', { name: 'Turn off' }).click();
  await account.locator('[data-notice]', { hasText: 'The authenticator app is off.' }).waitFor();
  assert.match(await focused(tab), /^div\[data-notice\]:The authenticator app is off\./);
  assert.deepEqual(problems, []);
});

test('2: forgetting a device leaves focus on the message', async (t) => {
  const { tab, problems } = await openTab(t);
  const email = unique('forget');
  await confirmedUser(env.emulator.url, email, 'Fir5tPassword');
  await tab.goto(`${env.server.url}?redirect_uri=nowhere`);
  await visible(tab, 'signin').getByLabel('Email').fill(email);
  await visible(tab, 'signin').getByLabel('Password', { exact: true }).fill('Fir5tPassword');
  await visible(tab, 'signin').getByLabel('Remember this device').check();
  await visible(tab, 'signin').getByRole('button', { name: 'Sign in' }).click();
  const device = tab.locator('[data-devices] li', { hasText: '(this device)' });
  await device.waitFor();
  await device.getByRole('button', { name: /^Forget / }).click();
  await tab.getByRole('dialog').getByRole('button', { name: 'Forget' }).click();
  await visible(tab, 'account').locator('[data-notice]', { hasText: 'is forgotten' }).waitFor();
  assert.match(await focused(tab), /^div\[data-notice\]:.* is forgotten/);
  assert.deepEqual(problems, []);
});

// 3. Success notices in view and announced.

test('3: on a phone, the change-password notice appears where the user is, in a live region', async (t) => {
  const { tab, problems } = await openTab(t, { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
  const email = unique('phone');
  await accountPage(tab, email, 'Fir5tPassword');
  const form = tab.locator('[data-form="change-password"]');
  await form.getByLabel('Current password').fill('Fir5tPassword');
  await form.getByLabel('New password').fill('Sec0ndPassword');
  await form.getByRole('button', { name: 'Change password' }).click();
  const message = visible(tab, 'account').locator('[data-notice]', { hasText: 'Your password is changed.' });
  await message.waitFor();
  const where = await message.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const live = el.closest('[role=status], [role=alert], [aria-live]');
    return { top: box.top, bottom: box.bottom, height: innerHeight, live: live?.getAttribute('role') ?? live?.getAttribute('aria-live') ?? null };
  });
  assert.ok(where.top >= 0 && where.bottom <= where.height, `the notice is on screen (${where.top}–${where.bottom} of ${where.height})`);
  assert.equal(where.live, 'status', 'in a live region');
  assert.deepEqual(problems, []);
});

// 4. The authenticator app entry.

test('4: the authenticator app entry is labelled with the email the user signs in with, not the internal id', async (t) => {
  const { tab, problems } = await openTab(t);
  const email = unique('label');
  await accountPage(tab, email, 'Fir5tPassword');
  const user = await callUserPool(env.emulator.url, 'AdminGetUser', { UserPoolId: DEMO.poolId, Username: email }, { admin: true });
  const sub = user.UserAttributes.find((a) => a.Name === 'sub').Value;
  assert.match(sub, /^[0-9a-f-]{36}$/);
  await tab.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await visible(tab, 'totp-setup').waitFor();
  const secret = (await tab.locator('[data-totp-secret]').textContent()).replace(/\s/g, '');
  const uri = await decodeQr(tab);
  assert.equal(uri, `otpauth://totp/cognito-kit%20demo:${encodeURIComponent(email)}?secret=${secret}&issuer=cognito-kit%20demo`);
  assert.ok(!uri.includes(sub));
  // On a phone, which cannot scan its own screen, the same address opens the authenticator app.
  assert.equal(await tab.getByRole('link', { name: 'On this device? Open it in your authenticator app' }).getAttribute('href'), uri);
  assert.match(await tab.locator('[data-totp-account]').textContent(), new RegExp(`\\(${email.replace(/\./g, '\\.')}\\)`));
  assert.doesNotMatch(await tab.locator('main').innerText(), new RegExp(sub));
  assert.deepEqual(problems, []);
});

test('4: during sign-in the entry carries the username typed', async (t) => {
  const { tab } = await openTab(t);
  await tab.goto(env.mfaServer.url);
  await signIn(tab, 'setup-me', 'Passw0rd!', { label: 'Username' });
  await visible(tab, 'totp-setup').waitFor();
  assert.match(await decodeQr(tab), /^otpauth:\/\/totp\/MFA%20pool:setup-me\?secret=[A-Z2-7]+&issuer=MFA%20pool$/);
});

// 5. Messages that contradict.

test('5: a success notice never stands above an error, and the error names the field as the form does', async (t) => {
  const { tab, problems } = await openTab(t);
  await tab.goto(env.server.url);
  // Reached by confirming an account; the notice is green until the next error.
  await tab.evaluate(() => {
    const box = document.querySelector('[data-view="signin"] [data-notice]');
    box.textContent = 'Your account is confirmed. Sign in.';
    box.classList.add('success');
  });
  await signIn(tab, 'alice@example.com', 'wrong password');
  const alert = visible(tab, 'signin').locator('[role=alert]');
  await alert.filter({ hasText: /\S/ }).waitFor();
  assert.equal(await alert.textContent(), 'Incorrect email or password.');
  assert.equal(await visible(tab, 'signin').locator('[data-notice]').textContent(), '', 'the success notice is gone');
  // The MFA pool signs in with usernames: its error says so.
  await tab.goto(env.mfaServer.url);
  await signIn(tab, 'setup-me', 'wrong password', { label: 'Username' });
  await visible(tab, 'signin').locator('[role=alert]', { hasText: 'Incorrect username or password.' }).waitFor();
  assert.deepEqual(problems, []);
});

test('5: "Your session has ended" is a warning, not a success', async (t) => {
  const { tab, problems } = await openTab(t);
  const email = unique('ended');
  await accountPage(tab, email, 'Fir5tPassword');
  // Signed out everywhere by an administrator: the tokens here are revoked.
  await callUserPool(env.emulator.url, 'AdminUserGlobalSignOut', { UserPoolId: DEMO.poolId, Username: email }, { admin: true });
  await tab.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const message = visible(tab, 'signin').locator('[data-notice]', { hasText: 'Your session has ended' });
  await message.waitFor();
  const look = await message.evaluate((el) => ({ tone: [...el.classList].filter((c) => c !== 'notice'), color: getComputedStyle(el).color }));
  assert.deepEqual(look.tone, ['warning']);
  const green = await tab.evaluate(() => {
    const probe = document.createElement('p');
    probe.className = 'notice success';
    probe.textContent = 'x';
    document.body.append(probe);
    const color = getComputedStyle(probe).color;
    probe.remove();
    return color;
  });
  assert.notEqual(look.color, green);
  assert.deepEqual(problems, []);
});

// 6. Risky actions ask first.

test('6: turning off the authenticator app and forgetting a device ask for confirmation in the page', async (t) => {
  const { tab, problems } = await openTab(t);
  const email = unique('risky');
  await accountPage(tab, email, 'Fir5tPassword');
  await turnOnTotp(tab);
  const status = tab.locator('[data-mfa-status]');
  await status.filter({ hasText: 'On:' }).waitFor();

  const off = tab.getByRole('button', { name: 'Turn off the authenticator app' });
  await off.click();
  const dialog = tab.getByRole('dialog', { name: 'Turn off the authenticator app?' });
  await dialog.waitFor();
  assert.equal(await dialog.evaluate((d) => d.matches(':modal')), true, 'a modal dialog');
  assert.equal(await focused(tab), 'button:Cancel', 'the safe choice has focus');
  await tab.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await focused(tab), 'button:Turn off the authenticator app', 'focus is back on the button');
  assert.match(await status.textContent(), /^On:/, 'Escape changed nothing');
  await off.click();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.match(await status.textContent(), /^On:/, 'Cancel changed nothing');
  await off.click();
  await dialog.getByRole('button', { name: 'Turn off' }).click();
  await status.filter({ hasText: 'Off.' }).waitFor();

  const device = tab.locator('[data-devices] li').first();
  const before = await tab.locator('[data-devices] li').allTextContents();
  await device.getByRole('button', { name: /^Forget / }).click();
  const forget = tab.getByRole('dialog');
  await forget.waitFor();
  assert.match(await forget.getByRole('heading').textContent(), /^Forget .+\?$/);
  // Signed in without "Remember this device": the dialog does not promise a longer sign-in.
  assert.match(before[0], /not remembered/);
  assert.equal(await forget.locator('[data-confirm-text]').textContent(), 'This device is not remembered, so signing in on it already asks for every step. Forgetting it takes it off this list.');
  await forget.getByRole('button', { name: 'Cancel' }).click();
  assert.deepEqual(await tab.locator('[data-devices] li').allTextContents(), before, 'Cancel forgets nothing');
  assert.deepEqual(problems, [], 'no native confirm() or alert()');
});

// 7. Password managers.

test('7: every password form names its account and every field says what it holds', async (t) => {
  const { tab, problems } = await openTab(t);
  const email = unique('manager');
  await accountPage(tab, email, 'Fir5tPassword');
  const forms = await tab.evaluate(() =>
    [...document.querySelectorAll('form')]
      .filter((form) => form.querySelector('input[type=password]'))
      .map((form) => ({
        form: form.dataset.form,
        username: [...form.querySelectorAll('input[autocomplete=username]')].map((i) => i.value || i.type),
      })),
  );
  assert.deepEqual(
    forms.map((f) => f.form),
    ['signin', 'signin-password', 'new-password', 'signup', 'reset', 'change-password'],
  );
  for (const f of forms) assert.equal(f.username.length, 1, `${f.form} has one username field`);
  assert.deepEqual(forms.find((f) => f.form === 'change-password').username, [email], 'the account page names the account');
  const autocomplete = await tab.evaluate(() => Object.fromEntries([...document.querySelectorAll('input[id]')].map((i) => [i.id, i.autocomplete])));
  assert.deepEqual(autocomplete, {
    'signin-username': 'username',
    'signin-password': 'current-password',
    'factor-password': 'current-password',
    'mfa-code': 'one-time-code',
    'totp-code': 'one-time-code',
    'new-password': 'new-password',
    'custom-answer': 'off',
    'signup-username': 'username',
    'signup-password': 'new-password',
    'confirm-username': 'username',
    'confirm-code': 'one-time-code',
    'forgot-username': 'username',
    'reset-username': 'username',
    'reset-code': 'one-time-code',
    'reset-password': 'new-password',
    'change-old': 'current-password',
    'change-new': 'new-password',
  });
  assert.deepEqual(problems, []);
});

test('7: a show-password button, hidden again when the form is sent', async (t) => {
  const { tab, problems } = await openTab(t);
  await tab.goto(env.server.url);
  const form = visible(tab, 'signin');
  await form.getByLabel('Email').fill('alice@example.com');
  await form.getByLabel('Password', { exact: true }).fill('wrong password');
  const toggle = form.getByRole('button', { name: 'Show password' });
  await toggle.click();
  assert.equal(await tab.locator('#signin-password').getAttribute('type'), 'text');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  await toggle.click();
  assert.equal(await tab.locator('#signin-password').getAttribute('type'), 'password');
  await toggle.click();
  await form.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(await tab.locator('#signin-password').getAttribute('type'), 'password', 'sent as a password field');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  await form.locator('[role=alert]', { hasText: 'Incorrect email or password.' }).waitFor();
  assert.deepEqual(problems, []);
});

test('7: /.well-known/change-password leads to the change-password form', async (t) => {
  const reply = await fetch(new URL('.well-known/change-password', env.server.url), { redirect: 'manual' });
  assert.equal(reply.status, 302);
  assert.equal(reply.headers.get('location'), '/index.html#change-password');
  const { tab, problems } = await openTab(t);
  await accountPage(tab, unique('wellknown'), 'Fir5tPassword');
  await tab.goto(new URL('.well-known/change-password', env.server.url).href);
  await visible(tab, 'account').waitFor();
  await tab.waitForFunction(() => document.activeElement?.id === 'change-old');
  assert.deepEqual(problems, []);
});

// 8. The demo's loose ends.

test('8: the demo cites only documents that are in the repository', () => {
  const cited = (text) => [...text.matchAll(/\b([\w./-]+\.md)\b/g)].map((m) => m[1]);
  const output = execFileSync(process.execPath, [join(root, 'scripts/demo-core.mjs')], { encoding: 'utf8' });
  assert.match(output, /PASSWORD_CLAIM_SIGNATURE/);
  const sources = [output, readFileSync(join(root, 'scripts/demo.sh'), 'utf8'), readFileSync(join(root, 'scripts/demo-core.mjs'), 'utf8')];
  const missing = sources.flatMap(cited).filter((name) => !existsSync(join(root, name)));
  assert.deepEqual(missing, []);
});

test('8: the demo outbox is no wider than the card, on a desktop and on a phone', async (t) => {
  for (const viewport of [{ width: 1280, height: 900 }, { width: 360, height: 740 }]) {
    const { tab } = await openTab(t, { viewport });
    await tab.goto(env.server.url);
    await visible(tab, 'signin').waitFor();
    await tab.locator('[data-outbox] summary').click();
    await tab.locator('[data-outbox-list] li').first().waitFor();
    const widths = await tab.evaluate(() => ({
      card: document.querySelector('[data-view="signin"]').getBoundingClientRect().width,
      outbox: document.querySelector('[data-outbox]').getBoundingClientRect().width,
      page: document.documentElement.scrollWidth,
    }));
    assert.ok(widths.outbox <= widths.card + 0.5, `outbox ${widths.outbox}px, card ${widths.card}px at ${viewport.width}px`);
    assert.ok(widths.page <= viewport.width, `nothing wider than the screen at ${viewport.width}px`);
  }
});

// Focus order and announcements, beyond the numbered defects.

test('the keyboard meets the sign-in fields in reading order, and messages go to regions that announce them', async (t) => {
  const { tab, problems } = await openTab(t);
  await tab.goto(env.server.url);
  await visible(tab, 'signin').waitFor();
  assert.equal(await focused(tab), '#signin-username', 'the view opens on its first empty field');
  const order = [];
  for (let i = 0; i < 7; i++) {
    await tab.keyboard.press('Tab');
    order.push(await tab.evaluate(() => {
      const el = document.activeElement;
      return el.id ? `#${el.id}` : el.getAttribute('aria-label') ?? el.labels?.[0]?.textContent.trim() ?? el.textContent.trim();
    }));
  }
  assert.deepEqual(order, ['#signin-password', 'Show password', 'Remember this device', 'Sign in', 'Forgot your password?', 'Create an account', '#outbox-title']);
  // The regions exist before anything is put in them (a region added with its text is not announced).
  const before = await tab.evaluate(() => {
    window.regions = [...document.querySelectorAll('[data-view="signin"] [role=alert], [data-view="signin"] [role=status]')];
    return window.regions.map((el) => el.getAttribute('role'));
  });
  assert.deepEqual(before, ['status', 'alert']);
  await signIn(tab, 'alice@example.com', 'wrong password');
  await visible(tab, 'signin').locator('[role=alert]', { hasText: 'Incorrect email or password.' }).waitFor();
  assert.equal(await tab.evaluate(() => window.regions[1].textContent), 'Incorrect email or password.', 'the same alert region speaks');
  assert.deepEqual(problems, []);
});

test('the passwordless sign-in from the keyboard alone: the other ways in reading order, then an emailed code signs in', async (t) => {
  const { tab, problems } = await openTab(t);
  await tab.goto(env.passless.url);
  await visible(tab, 'signin').waitFor();
  assert.equal(await focused(tab), '#signin-username');
  const order = [];
  for (let i = 0; i < 10; i++) {
    await tab.keyboard.press('Tab');
    order.push(await tab.evaluate(() => {
      const el = document.activeElement;
      return el.id ? `#${el.id}` : el.getAttribute('aria-label') ?? el.textContent.trim();
    }));
  }
  assert.deepEqual(order, ['#signin-password', 'Show password', 'Sign in', 'Sign in with a passkey', 'Email me a code', 'Text me a code', 'Other ways to sign in', 'Forgot your password?', 'Create an account', '#outbox-title']);
  await tab.locator('#signin-username').focus();
  await tab.keyboard.type('pia@example.com');
  for (let i = 0; i < 5; i++) await tab.keyboard.press('Tab');
  assert.equal(await focused(tab), 'button:Email me a code');
  await tab.keyboard.press('Enter');
  await visible(tab, 'mfa').waitFor();
  assert.equal(await focused(tab), '#mfa-code', 'the code step opens on its field');
  const messages = await fetch(new URL(`_emulator/outbox?poolId=us-east-1_Passless1&username=pia%40example.com`, env.emulator.url)).then((r) => r.json());
  await tab.keyboard.type(messages[0].code);
  await tab.keyboard.press('Enter');
  await tab.waitForURL(/app\.html$/);
  await tab.locator('[data-status]', { hasText: 'Signed in as pia@example.com.' }).waitFor();
  assert.deepEqual(problems, []);
});
