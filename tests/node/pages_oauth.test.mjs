// The pages' sign-in through the pool's domain ("oauth" in config.json), in one headless Chromium
// against one emulator: "More sign-in options" (the pool's hosted page) → the emulator's managed login → a wrong,
// then the right password → back on the pages, signed in; sign-out through the domain's /logout;
// "Continue with <provider>" up to the emulator's answer (it does not emulate federation); an
// `error` on the callback said in a plain sentence, with nothing stored; the buttons only where
// configured; French and German; axe-core on each state, screenshots in test-output/pages/oauth/.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium, startEmulator } from './emulator.mjs';
import { DEMO, axeViolations, newTab, root, shotsDir, visible } from './pages_harness.mjs';
import { buildWww, callUserPool, serveWww } from '../../scripts/www.mjs';
import { setUpDomain } from '../../scripts/demo-domain.mjs';

const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };
const DOMAIN = 'pages-oauth';
const PROVIDERS = ['Google', { name: 'ExampleSSO', label: 'Example SSO' }];
let emulator, browser, pages, plain, domainUrl;
const dirs = {};
let count = 0;

before(async () => {
  emulator = await startEmulator({ config: join(root, 'tests/e2e-pools.json') });
  const endpoint = emulator.url.replace(/\/$/, '');
  domainUrl = `${endpoint}/domains/${DOMAIN}`;
  // No redirect URI: after sign-in the pages stay on #account, where the user is shown.
  const built = await buildWww({
    out: join(root, 'target/www-oauth'),
    endpoint: emulator.url,
    describe: true,
    config: { redirectUri: null, allowedRedirectUris: [], oauth: { domain: domainUrl, hostedPage: true, providers: PROVIDERS } },
  });
  const server = await serveWww(built.out, { endpoint: emulator.url, oauthDomain: domainUrl });
  await setUpDomain({ endpoint: emulator.url, poolId: DEMO.poolId, clientId: DEMO.clientId, domain: DOMAIN, pagesUrl: server.url });
  pages = server;
  const bare = await buildWww({ out: join(root, 'target/www-oauth-plain'), endpoint: emulator.url, describe: true });
  plain = await serveWww(bare.out, { endpoint: emulator.url });
  browser = await launchChromium();
  for (const size of Object.keys(SIZES)) dirs[size] = shotsDir(`oauth/${size}`);
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  await pages?.close();
  await plain?.close();
  emulator?.stop();
});

/** axe-core at both sizes, screenshots, and reflow at 320 px: the problems found. */
async function capture(tab, state) {
  const name = `${String(++count).padStart(2, '0')}-${state}`;
  const found = [];
  for (const [size, viewport] of Object.entries(SIZES)) {
    await tab.setViewportSize(viewport);
    found.push(...(await axeViolations(tab)).map((v) => `${size}: ${v}`));
    await tab.screenshot({ path: join(dirs[size], `${name}.png`), fullPage: true });
  }
  await tab.setViewportSize({ width: 320, height: 640 });
  const reflow = await tab.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  if (reflow > 0) found.push(`reflow: ${reflow}px too wide at 320px`);
  await tab.setViewportSize(SIZES.desktop);
  return found;
}

async function openTab(t, { locale } = {}) {
  const problems = [];
  const context = await browser.newContext({ viewport: SIZES.desktop, ...(locale ? { locale } : {}) });
  t.after(() => context.close());
  const tab = await newTab(context, problems, { emulatorUrl: emulator.url });
  // The domain's pages are the emulator's (HTML); what happens there is the emulator's business.
  const requests = [];
  tab.on('request', (r) => requests.push(r.url()));
  return { tab, problems, requests };
}

/** The pages' keys in the package's storage: tokens (local) and the redirect's record (session). */
const storedKeys = (tab) =>
  tab.evaluate(() => ({
    local: Object.keys(localStorage).filter((k) => k.startsWith('cognito-kit.')),
    session: Object.keys(sessionStorage).filter((k) => k.startsWith('cognito-kit.')),
  }));

/** Clicks `name` on the sign-in view and waits for the managed login's form. */
async function toManagedLogin(tab, name = 'More sign-in options') {
  await Promise.all([tab.waitForURL(/\/domains\/pages-oauth\/login\?/), visible(tab, 'signin').getByRole('button', { name }).click()]);
}

async function submitLogin(tab, username, password) {
  await tab.fill('input[name=username]', username);
  await tab.fill('input[name=password]', password);
  await Promise.all([tab.waitForLoadState('load'), tab.click('[type=submit]')]);
}

const alertOf = (tab) => visible(tab, 'signin').locator('[data-form="signin"] [role=alert]');

test('the buttons show only where configured: each provider, the hosted page, nothing without a domain', async (t) => {
  const { tab, problems } = await openTab(t);
  await tab.goto(plain.url);
  await visible(tab, 'signin').waitFor();
  assert.equal(await tab.locator('[data-providers]').isHidden(), true, 'no "oauth": no block');
  assert.equal(await tab.getByRole('button', { name: /^Continue with|More sign-in options/ }).count(), 0);

  await tab.goto(pages.url);
  const signin = visible(tab, 'signin');
  await signin.getByRole('button', { name: 'More sign-in options' }).waitFor();
  const names = await signin.locator('[data-providers] button:visible').allTextContents();
  assert.deepEqual(names, ['Continue with Google', 'Continue with Example SSO', 'More sign-in options']);
  assert.deepEqual(await capture(tab, 'signin-with-providers'), []);

  // The same pages with the hosted page off, then with a domain-less "oauth": the config decides.
  const served = await (await fetch(new URL('config.json', pages.url))).json();
  for (const [oauth, expected] of [
    [{ ...served.oauth, hostedPage: false }, ['Continue with Google', 'Continue with Example SSO']],
    [{ hostedPage: true, providers: PROVIDERS }, []],
  ]) {
    await tab.route('**/config.json', (route) => route.fulfill({ json: { ...served, oauth } }));
    await tab.goto(pages.url);
    await visible(tab, 'signin').waitFor();
    assert.deepEqual(await visible(tab, 'signin').locator('[data-providers] button:visible').allTextContents(), expected, JSON.stringify(oauth));
    await tab.unrouteAll();
  }
  assert.deepEqual(problems, []);
});

test('the hosted page: a wrong, then the right password, back on the account page; sign-out through /logout ends the domain session', async (t) => {
  const { tab, problems, requests } = await openTab(t);
  await tab.goto(pages.url);
  await toManagedLogin(tab);
  const authorize = new URL(requests.find((u) => u.includes('/oauth2/authorize')));
  assert.equal(authorize.searchParams.get('identity_provider'), 'COGNITO');
  assert.equal(authorize.searchParams.get('redirect_uri'), pages.url);
  assert.equal(authorize.searchParams.get('lang'), 'en');
  await submitLogin(tab, 'alice@example.com', 'not-the-password');
  assert.match(await tab.content(), /Incorrect username or password/);
  await Promise.all([tab.waitForURL((url) => url.href.startsWith(pages.url)), submitLogin(tab, 'alice@example.com', 'Passw0rd!')]);

  const account = visible(tab, 'account');
  await account.locator('[data-attributes] dd', { hasText: 'alice@example.com' }).waitFor();
  assert.equal(new URL(tab.url()).search, '', 'the code left the address bar');
  assert.equal(new URL(tab.url()).hash, '#account');
  assert.ok((await storedKeys(tab)).local.some((k) => k.endsWith('.tokens')), 'the session is stored');
  assert.deepEqual(await capture(tab, 'account-after-hosted-page'), []);

  await Promise.all([
    tab.waitForRequest((r) => r.url().startsWith(`${domainUrl}/logout?`)),
    account.getByRole('button', { name: 'Sign out', exact: true }).click(),
  ]);
  const logout = new URL(requests.find((u) => u.startsWith(`${domainUrl}/logout?`)));
  assert.equal(logout.searchParams.get('logout_uri'), pages.url);
  const signin = visible(tab, 'signin');
  await signin.locator('[data-notice]', { hasText: 'You are signed out.' }).waitFor();
  assert.deepEqual((await storedKeys(tab)).local.filter((k) => /\.(tokens|lastAuthUser)$/.test(k)), []);
  assert.deepEqual(await capture(tab, 'signin-after-logout'), []);

  // The domain's session is over too: the hosted page asks for the password again.
  await toManagedLogin(tab);
  assert.ok(await tab.locator('input[name=password]').isVisible());
  assert.deepEqual(problems, []);
});

test('"Sign out everywhere" after the hosted page: the user\'s other sessions end, the domain\'s too, and the pages say so on return', async (t) => {
  const { tab, problems } = await openTab(t);
  await tab.goto(pages.url);
  await toManagedLogin(tab);
  await Promise.all([tab.waitForURL((url) => url.href.startsWith(pages.url)), submitLogin(tab, 'alice@example.com', 'Passw0rd!')]);
  const account = visible(tab, 'account');
  await account.locator('[data-attributes] dd', { hasText: 'alice@example.com' }).waitFor();
  // The same user signed in elsewhere (another device): only a global sign-out ends that session.
  const elsewhere = await callUserPool(emulator.url, 'InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH', ClientId: DEMO.clientId, AuthParameters: { USERNAME: 'alice@example.com', PASSWORD: 'Passw0rd!' },
  });
  await Promise.all([
    tab.waitForRequest((r) => r.url().startsWith(`${domainUrl}/logout?`)),
    account.getByRole('button', { name: 'Sign out everywhere' }).click(),
  ]);
  await visible(tab, 'signin').locator('[data-notice]', { hasText: 'You are signed out on every device.' }).waitFor();
  // GlobalSignOut ran before the browser left: the other device's session is over too.
  await assert.rejects(callUserPool(emulator.url, 'GetUser', { AccessToken: elsewhere.AuthenticationResult.AccessToken }), /NotAuthorizedException/);
  await toManagedLogin(tab);
  assert.ok(await tab.locator('input[name=password]').isVisible(), 'the domain asks for the password again');
  assert.deepEqual(problems, []);
});

test('the app asked for with ?redirect_uri= is where the hosted page leads; the app\'s sign-out goes through /logout too', async (t) => {
  const { tab, problems, requests } = await openTab(t);
  const served = await (await fetch(new URL('config.json', pages.url))).json();
  // Without the redirect's customState the pages would go to the first allowed URI (a page that is not there).
  await tab.route('**/config.json', (route) => route.fulfill({ json: { ...served, allowedRedirectUris: ['elsewhere.html', 'app.html'] } }));
  await tab.goto(`${pages.url}?redirect_uri=app.html`);
  await toManagedLogin(tab);
  await Promise.all([tab.waitForURL(/\/app\.html$/), submitLogin(tab, 'alice@example.com', 'Passw0rd!')]);
  await tab.locator('[data-status]', { hasText: 'Signed in as alice@example.com.' }).waitFor();
  await Promise.all([tab.waitForRequest((r) => r.url().startsWith(`${domainUrl}/logout?`)), tab.getByRole('button', { name: 'Sign out' }).click()]);
  await visible(tab, 'signin').locator('[data-notice]', { hasText: 'You are signed out.' }).waitFor();
  assert.deepEqual((await storedKeys(tab)).local.filter((k) => /\.(tokens|lastAuthUser)$/.test(k)), []);
  assert.equal(requests.filter((u) => u.endsWith('/elsewhere.html')).length, 0);
  assert.deepEqual(problems, []);
});

test('"Continue with <provider>" goes to the domain with that provider; the emulator\'s refusal is a plain sentence and nothing is stored', async (t) => {
  const { tab, problems, requests } = await openTab(t);
  await tab.goto(pages.url);
  for (const [name, provider] of [['Continue with Google', 'Google'], ['Continue with Example SSO', 'ExampleSSO']]) {
    await visible(tab, 'signin').getByRole('button', { name }).click();
    // The emulator does not emulate federation: it sends the browser back with `error`.
    await alertOf(tab).getByText('This way to sign in is not available here. Choose another way, or contact support.').waitFor();
    const authorize = new URL(requests.filter((u) => u.includes('/oauth2/authorize')).at(-1));
    assert.equal(authorize.searchParams.get('identity_provider'), provider);
    assert.equal(new URL(tab.url()).search, '', 'the error left the address bar');
    assert.deepEqual(await storedKeys(tab), { local: [], session: [] });
    assert.doesNotMatch(await tab.locator('body').innerText(), /emulated|invalid_request/);
  }
  assert.deepEqual(await capture(tab, 'signin-provider-unavailable'), []);
  assert.deepEqual(problems, []);
});

test('an error on the callback, and a callback without a sign-in in progress, are plain sentences on the sign-in view', async (t) => {
  const { tab, problems } = await openTab(t);
  await tab.goto(pages.url);
  // The user declines at the provider: the domain comes back with access_denied and the tab's state.
  await toManagedLogin(tab);
  const state = new URL(tab.url()).searchParams.get('state');
  await tab.goto(`${pages.url}?error=access_denied&error_description=User+said+no+raw+text&state=${encodeURIComponent(state)}`);
  await alertOf(tab).getByText('The sign-in was cancelled or refused. Try again, or choose another way to sign in.').waitFor();
  assert.doesNotMatch(await tab.locator('body').innerText(), /raw text|access_denied/);
  assert.deepEqual(await storedKeys(tab), { local: [], session: [] });
  assert.equal(await tab.evaluate(() => document.activeElement?.matches('[data-error]')), true, 'focus on the message');
  assert.deepEqual(await capture(tab, 'signin-redirect-denied'), []);

  // A callback this tab did not start (a reload of a used one, another tab's): nothing to finish.
  await tab.goto(`${pages.url}?code=not-a-code&state=not-this-tabs`);
  await alertOf(tab).getByText('This sign-in expired or was already completed. Start it again.').waitFor();
  assert.deepEqual(await storedKeys(tab), { local: [], session: [] });
  // A callback with another state while this tab has a sign-in in progress (a forged or stale
  // link): the kit refuses it as not this tab's, and the page says to start again.
  await toManagedLogin(tab);
  await tab.goto(`${pages.url}?code=not-a-code&state=forged`);
  await alertOf(tab).getByText('This sign-in expired or was already completed. Start it again.').waitFor();
  assert.deepEqual(await storedKeys(tab), { local: [], session: [] });
  // The user starts again from the same view, and the hosted page's button still works.
  await toManagedLogin(tab);
  assert.deepEqual(problems, []);
});

test('French and German: the buttons, the managed login asked in the language, the errors', async (t) => {
  const expected = {
    fr: { hosted: 'Autres options de connexion', google: 'Continuer avec Google', expired: 'Cette connexion a expiré ou est déjà terminée. Recommencez-la.' },
    de: { hosted: 'Weitere Anmeldeoptionen', google: 'Weiter mit Google', expired: 'Diese Anmeldung ist abgelaufen oder wurde bereits abgeschlossen. Beginnen Sie sie erneut.' },
  };
  for (const [lang, texts] of Object.entries(expected)) {
    const { tab, problems, requests } = await openTab(t, { locale: lang });
    await tab.goto(pages.url);
    const signin = visible(tab, 'signin');
    await signin.getByRole('button', { name: texts.hosted }).waitFor();
    await signin.getByRole('button', { name: texts.google }).waitFor();
    assert.equal(await tab.evaluate(() => document.documentElement.lang), lang);
    assert.deepEqual(await capture(tab, `signin-with-providers-${lang}`), []);
    await tab.goto(`${pages.url}?code=not-a-code&state=not-this-tabs`);
    await alertOf(tab).getByText(texts.expired).waitFor();
    assert.deepEqual(await capture(tab, `signin-redirect-expired-${lang}`), []);
    await toManagedLogin(tab, texts.hosted);
    assert.equal(new URL(requests.find((u) => u.includes('/oauth2/authorize'))).searchParams.get('lang'), lang);
    assert.deepEqual(problems, []);
  }
});
