// Shared by the page suites: the emulator with the end-to-end pools, the pages built and served with
// their real headers (CSP included), headless Chromium, and the checks every suite makes (no script
// error, no CSP violation, axe-core's WCAG 2.2 A/AA rules).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from './emulator.mjs';
import { buildWww, callUserPool, serveWww } from '../../scripts/www.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const require = createRequire(join(root, 'tools/package.json'));
const { chromium } = require('playwright-core');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const DEMO = { poolId: 'us-east-1_DemoPool1', clientId: 'demopublicclient0000000001' };
export const MFA = { poolId: 'us-east-1_MfaPool01', clientId: 'mfapublicclient00000000001' };
export const PASSLESS = { poolId: 'us-east-1_Passless1', clientId: 'passlesspublicclient000001' };

/**
 * The pages as `make demo` builds them for the passwordless pool (scripts/demo-passwordless.json:
 * passkeys, emailed codes, the choice of factor, sign-up without a password), served at
 * http://localhost:PORT/ — the passkeys' relying party is `localhost`, so not 127.0.0.1.
 */
export async function startPasswordlessPages(name, emulatorUrl) {
  const overlay = JSON.parse(readFileSync(join(root, 'scripts/demo-passwordless.json'), 'utf8'));
  const { out } = await buildWww({ out: join(root, `target/www-${name}-passwordless`), endpoint: emulatorUrl, describe: true, config: overlay });
  const server = await serveWww(out, { endpoint: emulatorUrl });
  return { url: server.url.replace('127.0.0.1', 'localhost'), close: server.close };
}

/**
 * A virtual platform authenticator in `tab` (DevTools WebAuthn domain: CTAP2, internal, resident
 * keys, user verification), as a phone's or laptop's screen lock. Returns its credentials reader.
 */
export async function addAuthenticator(tab) {
  const cdp = await tab.context().newCDPSession(tab);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId, credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials };
}

/** Every message the emulator "sent" to `username` in `poolId`, newest first. */
export async function outboxMessages(emulatorUrl, poolId, username) {
  return fetch(new URL(`_emulator/outbox?poolId=${poolId}&username=${encodeURIComponent(username)}`, emulatorUrl)).then((r) => r.json());
}

/** The newest code the emulator "sent" to `username` in `poolId`. */
export async function outboxCode(emulatorUrl, poolId, username) {
  const messages = await outboxMessages(emulatorUrl, poolId, username);
  assert.ok(messages[0]?.code, `a code for ${username} in ${JSON.stringify(messages)}`);
  return messages[0].code;
}

/**
 * A user of the passwordless pool without a password, made through the API and confirmed with the
 * emailed code (which verifies the email address: emailed sign-in codes need it).
 */
export async function passwordlessUser(endpoint, email) {
  await callUserPool(endpoint, 'SignUp', { ClientId: PASSLESS.clientId, Username: email, UserAttributes: [{ Name: 'email', Value: email }] });
  const code = await outboxCode(endpoint, PASSLESS.poolId, email);
  await callUserPool(endpoint, 'ConfirmSignUp', { ClientId: PASSLESS.clientId, Username: email, ConfirmationCode: code });
}

/**
 * Starts the emulator, builds the pages into `target/www-{name}` (demo pool, MFA pool, and the
 * passwordless pool at `passless.url`) and launches Chromium.
 */
export async function startPages(name) {
  const emulator = await startEmulator({ config: join(root, 'tests/e2e-pools.json') });
  const { out } = await buildWww({ out: join(root, `target/www-${name}`), endpoint: emulator.url, describe: true });
  const server = await serveWww(out, { endpoint: emulator.url });
  const mfa = await buildWww({
    out: join(root, `target/www-${name}-mfa`),
    endpoint: emulator.url,
    describe: true,
    config: { userPoolId: MFA.poolId, clientId: MFA.clientId, refreshTokenRotation: false, branding: { name: 'MFA pool' } },
  });
  const mfaServer = await serveWww(mfa.out, { endpoint: emulator.url });
  const passless = await startPasswordlessPages(name, emulator.url);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    emulator,
    server,
    mfaServer,
    passless,
    browser,
    async close() {
      await browser.close();
      await server.close();
      await mfaServer.close();
      await passless.close();
      emulator.stop();
    },
  };
}

/**
 * A tab that records script errors, console errors (a CSP violation is one), native dialogs
 * (window.confirm/alert: the pages must use their own) and unexpected HTTP errors into `problems`.
 */
export async function newTab(context, problems, { emulatorUrl } = {}) {
  const tab = await context.newPage();
  tab.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  tab.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource')) problems.push(`console.${m.type()}: ${m.text()}`);
  });
  tab.on('dialog', (d) => {
    problems.push(`native dialog: ${d.type()} ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  tab.on('response', (r) => {
    const fromPool = emulatorUrl && new URL(r.url()).origin === new URL(emulatorUrl).origin;
    if (r.status() >= 400 && !(r.status() === 400 && r.request().method() === 'POST' && fromPool)) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return tab;
}

export const visible = (tab, name) => tab.locator(`[data-view="${name}"]:not([hidden])`);

/** What has focus: `#id`, or the tag and text of an element without id, or `body`. */
export const focused = (tab) =>
  tab.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    return el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}${el.dataset.notice !== undefined ? '[data-notice]' : el.dataset.error !== undefined ? '[data-error]' : ''}:${el.textContent.trim().slice(0, 60)}`;
  });

/** axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the page as it is: the violations, as `rule: targets`. */
export async function axeViolations(tab) {
  if (!(await tab.evaluate(() => 'axe' in window))) await tab.evaluate(axeSource);
  return tab.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

export async function assertNoAxeViolations(tab, where) {
  assert.deepEqual(await axeViolations(tab), [], `axe-core violations (${where})`);
}

export async function signIn(tab, username, password, { label = 'Email' } = {}) {
  const form = visible(tab, 'signin');
  await form.waitFor();
  await form.getByLabel(label, { exact: true }).fill(username);
  await form.getByLabel('Password', { exact: true }).fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

/** A confirmed user of the demo pool, made through the API (SignUp, then AdminConfirmSignUp). */
export async function confirmedUser(endpoint, email, password) {
  await callUserPool(endpoint, 'SignUp', { ClientId: DEMO.clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] });
  await callUserPool(endpoint, 'AdminConfirmSignUp', { UserPoolId: DEMO.poolId, Username: email }, { admin: true });
}

/** A fresh folder for screenshots under test-output/pages/. */
export function shotsDir(name) {
  const dir = join(root, 'test-output/pages', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
