// Reads config.json (and the pool description it names), applies the branding, and creates the
// CognitoAuth client. Shared by the sign-in pages and the example app.
import { CognitoAuth } from './cognito-kit/index.js';
import { addDictionary, chooseLanguage, setLanguage, t, translate } from './i18n.js';
import { poolRules } from './rules.js';

async function fetchJson(url) {
  const reply = await fetch(url, { cache: 'no-store' });
  if (!reply.ok) throw new Error(`${url}: HTTP ${reply.status}`);
  return reply.json();
}

/** Loads config.json beside the pages. */
export async function loadConfig() {
  const config = await fetchJson(new URL('config.json', import.meta.url));
  let description = config.userPool ?? null;
  if (!description && config.userPoolDescription) {
    description = await fetchJson(new URL(config.userPoolDescription, import.meta.url)).catch(() => null);
  }
  config.rules = poolRules(description);
  if (typeof config.totp === 'boolean') config.rules.totp = config.totp;
  config.branding ??= {};
  config.features = features(config);
  return config;
}

/**
 * What the pages offer besides the password, from config.json's "signIn", "signUp" and "passkeys"
 * (all off unless named: each needs the pool and the app client to allow it, and the pool's
 * description does not say whether they do). Sign-in with a password stays unless
 * "signIn": { "password": false }.
 */
export function features(config) {
  const signIn = config.signIn ?? {};
  const on = (value) => value === true;
  return {
    password: signIn.password !== false,
    passkey: on(signIn.passkey),
    emailCode: on(signIn.emailCode),
    smsCode: on(signIn.smsCode),
    choice: on(signIn.choice),
    // Sign-up, unless the pool lets only administrators create users or "signUp": { "enabled": false }.
    signUp: config.signUp?.enabled !== false && !config.rules.adminCreateOnly,
    signUpPassword: config.signUp?.password !== false,
    passkeys: on(config.passkeys),
    hostedPage: Boolean(config.oauth?.domain) && on(config.oauth.hostedPage),
    providers: config.oauth?.domain ? providers(config.oauth.providers) : [],
  };
}

// The provider names the package knows by themselves; any other is a provider of the pool by its name.
const BUILT_IN_PROVIDERS = ['Google', 'Facebook', 'Amazon', 'Apple'];

/**
 * "Continue with …" buttons, from config.json's "oauth": { "providers": ["Google", { "name":
 * "ExampleSSO", "label": "Example SSO" }] }: the provider as signInWithRedirect takes it, and the
 * name shown on the button. Entries that are neither a name nor { name } are skipped.
 */
function providers(list) {
  if (!Array.isArray(list)) return [];
  return list
    .map((entry) => (typeof entry === 'string' ? { name: entry } : entry))
    .filter((entry) => typeof entry?.name === 'string' && entry.name && entry.name !== 'COGNITO')
    .map(({ name, label }) => ({
      provider: BUILT_IN_PROVIDERS.includes(name) ? name : { custom: name },
      label: typeof label === 'string' && label ? label : name,
    }));
}

// The scopes the pages ask for: the account page calls the user-pool API, which needs
// aws.cognito.signin.user.admin in the access token.
const PAGES_SCOPES = ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'];

/**
 * The package's `oauth` option from config.json's "oauth" (null without a domain). The callback and
 * sign-out URLs default to the pages' own folder and may be given relative to it; each must be one
 * of the app client's CallbackURLs / LogoutURLs exactly.
 */
export function oauthOptions(config) {
  const oauth = config.oauth;
  if (!oauth?.domain) return null;
  const base = new URL('.', import.meta.url);
  return {
    domain: oauth.domain,
    redirectSignIn: new URL(oauth.redirectSignIn ?? './', base).href,
    redirectSignOut: new URL(oauth.redirectSignOut ?? './', base).href,
    scopes: Array.isArray(oauth.scopes) ? oauth.scopes : PAGES_SCOPES,
  };
}

/**
 * Chooses the language (config.json's "language", else the browser's), adds the app's own
 * dictionaries ("dictionaries": { "es": "es.json" } or { "es": { …texts… } }) and puts the texts
 * into the page. A dictionary that cannot be read is skipped: the page falls back to English.
 */
export async function applyLanguage(config, root = document) {
  for (const [lang, source] of Object.entries(config.dictionaries ?? {})) {
    const messages = typeof source === 'string' ? await fetchJson(new URL(source, import.meta.url)).catch(() => null) : source;
    if (messages) addDictionary(lang, messages);
  }
  const lang = setLanguage(chooseLanguage(config.language, navigator.languages ?? [navigator.language]));
  root.documentElement.lang = lang;
  translate(root);
  return lang;
}

/** Sets the page title, name, logo and the CSS variables the configuration brands. */
export function applyBranding(config) {
  const { branding } = config;
  const name = branding.name ?? config.rules.name ?? t('title.signin');
  for (const [key, value] of Object.entries(branding.colors ?? {})) {
    if (key.startsWith('--') && typeof value === 'string') document.documentElement.style.setProperty(key, value);
  }
  for (const el of document.querySelectorAll('[data-brand-name]')) el.textContent = name;
  const logo = document.querySelector('[data-brand-logo]');
  if (logo && branding.logo) {
    logo.src = new URL(branding.logo, import.meta.url).href;
    logo.hidden = false;
  }
  return name;
}

/** The client of the configured app client; tokens go to the configured storage. */
export function createAuth(config) {
  return new CognitoAuth({
    userPoolId: config.userPoolId,
    clientId: config.clientId,
    endpoint: config.endpoint || undefined,
    storage: config.storage ?? 'local',
    refreshTokenRotation: config.refreshTokenRotation ?? false,
    deviceName: config.deviceName ?? deviceName(),
    ...(oauthOptions(config) ? { oauth: oauthOptions(config) } : {}),
  });
}

function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom/.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Windows/.test(ua) ? 'Windows' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}

/**
 * Where to go after sign-in: the configured redirect URI, or one of `allowedRedirectUris` asked for
 * with `?redirect_uri=`. Only same-origin targets are used: that is where the tokens are readable.
 */
export function redirectTarget(config, search = location.search) {
  const asked = new URLSearchParams(search).get('redirect_uri');
  const allowed = [config.redirectUri, ...(config.allowedRedirectUris ?? [])].filter(Boolean);
  const resolve = (uri) => {
    try {
      return new URL(uri, new URL('.', import.meta.url));
    } catch {
      return null;
    }
  };
  const wanted = asked ? resolve(asked) : null;
  const candidates = asked ? allowed.filter((uri) => wanted && resolve(uri)?.href === wanted.href) : allowed.slice(0, 1);
  const target = candidates.length ? resolve(candidates[0]) : null;
  return target && target.origin === location.origin ? target.href : null;
}
