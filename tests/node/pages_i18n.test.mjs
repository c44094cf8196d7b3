// The pages' languages: the shipped dictionaries are complete and consistent (checked in Node), every
// key the pages use has an English text, and in the browser the pages speak the browser's language,
// or the one config.json names, or an app's own dictionary — with nothing left in English.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDictionary, chooseLanguage, setLanguage, shipped, t } from '../../www/i18n.js';
import { assertNoAxeViolations, newTab, root, shotsDir, startPages, visible } from './pages_harness.mjs';

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every shipped language has every English key, the same placeholders, and its own words', () => {
  const keys = Object.keys(shipped.en).sort();
  assert.ok(keys.length > 200);
  for (const lang of ['fr', 'de']) {
    const dict = shipped[lang];
    assert.deepEqual(Object.keys(dict).sort(), keys, `${lang}: the same keys as English`);
    for (const key of keys) {
      assert.ok(dict[key].trim() || key.startsWith('rule.'), `${lang}.${key} is empty`);
      assert.deepEqual(placeholders(dict[key]), placeholders(shipped.en[key]), `${lang}.${key}: placeholders`);
    }
    // Words shared with English are few (Code, Website, SMS…): a copied dictionary would fail here.
    const same = keys.filter((key) => dict[key] === shipped.en[key]);
    assert.ok(same.length < keys.length / 20, `${lang}: ${same.length} texts identical to English: ${same.join(', ')}`);
  }
});

test('every key the pages use has an English text', () => {
  const used = new Set();
  for (const file of ['index.html', 'app.html', 'pages.js', 'app.js']) {
    const source = readFileSync(join(root, 'www', file), 'utf8');
    for (const m of source.matchAll(/data-i18n="([\w.]+)"/g)) used.add(m[1]);
    for (const m of source.matchAll(/data-i18n-attr="([^"]+)"/g)) for (const pair of m[1].split(';')) used.add(pair.split(':')[1].trim());
    for (const m of source.matchAll(/\bt\('([\w.]+)'/g)) used.add(m[1]);
  }
  // Keys built from a family: each member must exist.
  for (const kind of ['email', 'phone', 'either', 'username']) {
    for (const family of ['field.username', 'missing.username', 'error.wrongCredentials', 'error.noAccount', 'error.accountExists']) used.add(`${family}.${kind}`);
  }
  for (const what of ['confirmationCode', 'newCode', 'resetCode']) for (const medium of ['email', 'sms', 'other', 'somewhere']) used.add(`sent.${what}.${medium}`);
  for (const id of ['length', 'lowercase', 'uppercase', 'number', 'symbol']) used.add(`rule.${id}`).add(`need.${id}`);
  assert.ok(used.size > 150);
  assert.deepEqual([...used].filter((key) => !(key in shipped.en)), []);
});

test('the language: config.json first, then the browser, then English; an app adds its own', () => {
  assert.equal(chooseLanguage(undefined, ['fr-CA', 'en']), 'fr');
  assert.equal(chooseLanguage('de', ['fr-FR']), 'de');
  assert.equal(chooseLanguage('auto', ['de-AT']), 'de');
  assert.equal(chooseLanguage('xx', ['ja', 'zh']), 'en');
  addDictionary('es', { 'title.signin': 'Iniciar sesión' });
  assert.equal(chooseLanguage(undefined, ['es-MX']), 'es');
  setLanguage('es');
  assert.equal(t('title.signin'), 'Iniciar sesión');
  assert.equal(t('button.signin'), 'Sign in', 'a missing text falls back to English');
  assert.equal(t('password.needs', { rules: 'x' }), 'Your password needs x.');
  setLanguage('en');
});

let env;
let shots;
before(async () => {
  env = await startPages('i18n');
  shots = shotsDir('languages');
});
after(() => env?.close());

/** Every text and label on the page that is an English text which the language says otherwise. */
function englishLeft(tab, lang) {
  const dict = shipped[lang];
  const english = new Set(Object.keys(shipped.en).filter((key) => dict[key] !== shipped.en[key]).map((key) => shipped.en[key].trim()));
  return tab.evaluate((texts) => {
    const left = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const text = walker.currentNode.textContent.trim();
      if (texts.includes(text)) left.push(text);
    }
    for (const el of document.querySelectorAll('[aria-label], [alt], [title]')) {
      for (const attribute of ['aria-label', 'alt', 'title']) if (texts.includes(el.getAttribute(attribute))) left.push(`${attribute}=${el.getAttribute(attribute)}`);
    }
    return left;
  }, [...english]);
}

async function withConfig(tab, changes) {
  await tab.route('**/config.json', async (route) => {
    const reply = await route.fetch();
    route.fulfill({ response: reply, json: { ...(await reply.json()), ...changes } });
  });
}

for (const [lang, locale, heading, wrong] of [
  ['fr', 'fr-FR', 'Connexion', 'Adresse e‑mail ou mot de passe incorrect.'],
  ['de', 'de-DE', 'Anmelden', 'E-Mail-Adresse oder Passwort ist falsch.'],
]) {
  test(`a browser set to ${locale} gets the pages in ${lang}, with nothing left in English`, async (t) => {
    const problems = [];
    const context = await env.browser.newContext({ locale });
    t.after(() => context.close());
    const tab = await newTab(context, problems, { emulatorUrl: env.emulator.url });
    await tab.goto(env.server.url);
    const signin = visible(tab, 'signin');
    await signin.getByRole('heading', { name: heading }).waitFor();
    assert.equal(await tab.evaluate(() => document.documentElement.lang), lang);
    assert.match(await tab.title(), new RegExp(`^${heading} · `));
    // Every view's static texts, the hidden ones included.
    assert.deepEqual(await englishLeft(tab, lang), []);
    await signin.getByLabel(shipped[lang]['field.username.email'], { exact: true }).fill('alice@example.com');
    await signin.getByLabel(shipped[lang]['field.password'], { exact: true }).fill('not the password');
    await signin.getByRole('button', { name: shipped[lang]['button.signin'] }).click();
    await signin.locator('[role=alert]', { hasText: wrong }).waitFor();
    await assertNoAxeViolations(tab, `${lang} sign-in with an error`);
    await tab.goto(`${env.server.url}#signup`);
    await visible(tab, 'signup').getByLabel(shipped[lang]['field.password'], { exact: true }).fill('abc');
    assert.equal(
      await tab.locator('#signup-password-rules li').first().textContent(),
      `•${shipped[lang]['rule.length'].replace('{n}', '8')}${shipped[lang]['rule.unmet']}`,
    );
    assert.deepEqual(await englishLeft(tab, lang), []);
    // Longer words than English: still no sideways scrolling on a 320 px screen.
    for (const view of ['signin', 'signup', 'forgot', 'reset', 'confirm']) {
      await tab.evaluate((name) => (location.hash = name), view);
      await visible(tab, view).waitFor();
      await tab.setViewportSize({ width: 320, height: 640 });
      const { scroll, width } = await tab.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: innerWidth }));
      assert.ok(scroll <= width, `${lang} ${view}: content ${scroll}px wide in a ${width}px screen`);
      await tab.screenshot({ path: join(shots, `${lang}-${view}-320px.png`), fullPage: true });
      await tab.setViewportSize({ width: 1280, height: 720 });
    }
    assert.deepEqual(problems, []);
  });
}

for (const [lang, locale] of [['fr', 'fr-FR'], ['de', 'de-DE']]) {
  test(`the passwordless pages in ${lang}: the other ways, the choice of factor, sign-up without a password`, async (t) => {
    const problems = [];
    const context = await env.browser.newContext({ locale });
    t.after(() => context.close());
    const tab = await newTab(context, problems, { emulatorUrl: env.emulator.url });
    const say = shipped[lang];
    const fits = async (view) => {
      await tab.setViewportSize({ width: 320, height: 640 });
      const { scroll, width } = await tab.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: innerWidth }));
      assert.ok(scroll <= width, `${lang} ${view}: content ${scroll}px wide in a ${width}px screen`);
      await tab.screenshot({ path: join(shots, `${lang}-passwordless-${view}-320px.png`), fullPage: true });
      await tab.setViewportSize({ width: 1280, height: 720 });
    };
    await tab.goto(env.passless.url);
    const signin = visible(tab, 'signin');
    await signin.getByRole('button', { name: say['button.signinPasskey'] }).waitFor();
    await signin.getByRole('button', { name: say['button.signinEmailCode'] }).click();
    await signin.locator('[role=alert]', { hasText: say['missing.username.email'] }).waitFor();
    assert.deepEqual(await englishLeft(tab, lang), []);
    await fits('signin');
    await signin.getByLabel(say['field.username.email'], { exact: true }).fill('pia@example.com');
    await signin.getByRole('button', { name: say['button.signinOther'] }).click();
    const choice = visible(tab, 'select-factor');
    await choice.getByRole('heading', { name: say['title.selectFactor'] }).waitFor();
    assert.deepEqual(await choice.getByRole('radio').evaluateAll((radios) => radios.map((r) => r.labels[0].textContent.trim())), [say['factor.emailCode'], say['factor.password']]);
    assert.deepEqual(await englishLeft(tab, lang), []);
    await assertNoAxeViolations(tab, `${lang} choice of factor`);
    await fits('select-factor');
    await tab.goto(`${env.passless.url}#signup`);
    await visible(tab, 'signup').getByText(say['signup.passwordlessPasskey']).waitFor();
    assert.deepEqual(await englishLeft(tab, lang), []);
    await fits('signup');
    assert.deepEqual(problems, []);
  });
}

test('config.json names the language over the browser\'s, and an app adds its own dictionary', async (t) => {
  const context = await env.browser.newContext({ locale: 'fr-FR' });
  t.after(() => context.close());
  const tab = await context.newPage();
  await withConfig(tab, { language: 'de' });
  await tab.goto(env.server.url);
  await visible(tab, 'signin').getByRole('heading', { name: 'Anmelden' }).waitFor();

  // An app's dictionary, inline and from a file beside the pages; a text it lacks stays English.
  await tab.unrouteAll();
  await withConfig(tab, { language: 'es', dictionaries: { es: 'i18n-es.json', it: { 'title.signin': 'Accedi' } } });
  await tab.route('**/i18n-es.json', (route) => route.fulfill({ json: { 'title.signin': 'Iniciar sesión', 'button.signin': 'Entrar' } }));
  await tab.goto(`${env.server.url}?es`);
  const signin = visible(tab, 'signin');
  await signin.getByRole('heading', { name: 'Iniciar sesión' }).waitFor();
  assert.equal(await tab.evaluate(() => document.documentElement.lang), 'es');
  assert.equal(await signin.locator('button[type=submit]').textContent(), 'Entrar');
  assert.equal(await signin.getByRole('link', { name: 'Create an account' }).count(), 1, 'the rest in English');

  await tab.unrouteAll();
  await withConfig(tab, { language: 'it', dictionaries: { it: { 'title.signin': 'Accedi' } } });
  await tab.goto(`${env.server.url}?it`);
  await visible(tab, 'signin').getByRole('heading', { name: 'Accedi' }).waitFor();
});

/** Signs alice in on the German pages, to the example app. */
async function signInInGerman(tab) {
  const signin = visible(tab, 'signin');
  await signin.getByLabel('E-Mail-Adresse', { exact: true }).fill('alice@example.com');
  await signin.getByLabel('Passwort', { exact: true }).fill('Passw0rd!');
  await signin.getByRole('button', { name: 'Anmelden' }).click();
  await tab.waitForURL(/app\.html$/);
}

test('pages whose configuration cannot be read say so in the browser\'s language', async (t) => {
  const context = await env.browser.newContext({ locale: 'de-DE' });
  t.after(() => context.close());
  const tab = await context.newPage();
  await tab.route('**/config.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await tab.goto(env.server.url);
  const fatal = tab.locator('[data-fatal]:not([hidden])');
  await fatal.locator('[data-fatal-detail]', { hasText: shipped.de['fatal.config'] }).waitFor();
  // Words for the user first (a heading and what to do), the operators' detail after them.
  assert.equal(await fatal.getByRole('heading', { level: 1 }).textContent(), shipped.de['fatal.title']);
  assert.equal(await fatal.getByRole('alert').textContent(), shipped.de['fatal.text']);
  assert.equal(await tab.evaluate(() => document.documentElement.lang), 'de');
});

test('a federated user\'s account page: the providers and the date of the last change, in the language', async (t) => {
  const context = await env.browser.newContext({ locale: 'de-DE' });
  t.after(() => context.close());
  const tab = await context.newPage();
  // The service keeps a federated user's links as JSON in `identities`, and `updated_at` in seconds.
  const identities = JSON.stringify([
    { userId: '1', providerName: 'Google', providerType: 'Google', issuer: null, primary: 'true', dateCreated: '1700000000000' },
    { userId: '2', providerName: 'ExampleSSO', providerType: 'OIDC', issuer: 'https://sso.example', primary: 'false', dateCreated: '1700000000000' },
  ]);
  await tab.route(
    (url) => url.href.startsWith(env.emulator.url),
    async (route) => {
      if (!route.request().headers()['x-amz-target']?.endsWith('.GetUser')) return route.continue();
      const reply = await route.fetch();
      const body = await reply.json();
      body.UserAttributes.push({ Name: 'identities', Value: identities }, { Name: 'updated_at', Value: '1767225600' });
      return route.fulfill({ response: reply, json: body });
    },
  );
  await tab.goto(env.server.url);
  await signInInGerman(tab);
  await tab.goto(`${env.server.url}#account`);
  const account = visible(tab, 'account');
  await account.locator('[data-attributes] dd', { hasText: 'alice@example.com' }).waitFor();
  const rows = await account.locator('[data-attributes]').evaluate((dl) => {
    const out = {};
    for (const dt of dl.querySelectorAll('dt')) out[dt.textContent] = dt.nextElementSibling.textContent;
    return out;
  });
  assert.equal(rows['Meldet sich an über'], 'Google und ExampleSSO');
  const date = new Date(1767225600 * 1000).toLocaleString('de', { dateStyle: 'medium', timeStyle: 'short' });
  assert.equal(rows['Zuletzt geändert'], date);
  assert.match(date, /2026/);
  assert.doesNotMatch(JSON.stringify(rows), /providerName|1767225600|identities|updated/);
});

test('the example app speaks the same language', async (t) => {
  const context = await env.browser.newContext({ locale: 'de-DE' });
  t.after(() => context.close());
  const tab = await context.newPage();
  await tab.goto(env.server.url);
  await signInInGerman(tab);
  await tab.locator('[data-status]', { hasText: 'Angemeldet als alice@example.com.' }).waitFor();
  assert.deepEqual(await englishLeft(tab, 'de'), []);
});
