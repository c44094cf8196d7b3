// The hosted-UI replacement pages: one document, one view per step (chosen by the URL's hash), all
// built on the cognito-kit package. Nothing here logs, and no code or token is put in a URL.
// Every text comes from the dictionaries (i18n.js); nothing the service says is shown as it is.
import { CognitoError } from './cognito-kit/index.js';
import { applyBranding, applyLanguage, createAuth, loadConfig, redirectTarget } from './config.js';
import { has, list, t, currentLanguage } from './i18n.js';
import { qrSvg } from './qr.js';
import { passwordRules } from './rules.js';

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];
const view = (name) => $(`[data-view="${name}"]`);

let config;
let auth;
let brandName;
/** The sign-in in progress: which views may be shown without starting over. */
let pending = null;
/** The view on screen. */
let current = null;
/** Where the TOTP setup view came from: 'signin' (MFA_SETUP challenge) or 'account'. */
let totpOrigin = null;
/** The name the user signs in with (what they typed, or the account's email/phone): never the internal id. */
let signInName = '';
const SIGN_IN_STEPS = ['mfa', 'select-mfa', 'select-factor', 'signin-password', 'totp-setup', 'new-password', 'custom'];
// Views that open on their heading (instructions or many forms) rather than their first field.
const HEADING_FIRST = ['account', 'totp-setup'];
// Hashes that open a part of a view: `/.well-known/change-password` leads to #change-password.
const ALIASES = { 'change-password': ['account', '#change-old'] };
// The username typed last (not secret), so confirm/reset can be prefilled after a reload.
const REMEMBERED_USERNAME = 'cognito-kit-pages.username';
// Set just before a sign-out leaves for the pool's domain (/logout), read when it comes back: which
// notice to show ('local' or 'global'). In session storage: the tab's own, gone with it.
const SIGNED_OUT = 'cognito-kit-pages.signedOut';

/** What users type as their username in this pool: 'email', 'phone', 'either' or 'username'. */
function usernameKind() {
  const attrs = config.rules.usernameAttributes;
  if (attrs.length === 1) return attrs[0] === 'email' ? 'email' : 'phone';
  return attrs.length ? 'either' : 'username';
}

// ---------------------------------------------------------------------------------------------
// Errors: every failure is shown in words, chosen by its typed code. The service's own message
// is never shown; it only picks between texts (which password rule, which kind of refusal).

/** A problem the pages found themselves (an empty field, an unmet password rule). */
class PagesError extends Error {
  constructor(text, field) {
    super(text);
    this.code = 'PagesError';
    this.field = field;
  }
}

// Said above the choice of factor when the one a button asked for is not among those offered.
const FACTOR_MISSING = { WEB_AUTHN: 'notice.noPasskey', EMAIL_OTP: 'notice.noEmailCode', SMS_OTP: 'notice.noSmsCode' };

const UNEXPECTED_REPLY = ['NotJsonReply', 'InvalidJson', 'UnexpectedResponse', 'MissingField', 'UnexpectedChallenge', 'InvalidHex', 'InvalidBase64', 'UnsafeSrpValue', 'MalformedToken'];

/** Which rules of the password policy the service's InvalidPasswordException names. */
function rulesNamedBy(message) {
  const named = [];
  if (/long enough|length|short/i.test(message)) named.push('length');
  if (/lower ?case/i.test(message)) named.push('lowercase');
  if (/upper ?case/i.test(message)) named.push('uppercase');
  if (/numeric|number|digit/i.test(message)) named.push('number');
  if (/symbol|special/i.test(message)) named.push('symbol');
  return named;
}

function passwordNeeds(ids) {
  const policy = config.rules.passwordPolicy;
  return t('password.needs', { rules: list(ids.map((id) => t(`need.${id}`, { n: policy.minimumLength }))) });
}

function describeError(error, context) {
  if (error instanceof PagesError) return error.message;
  const code = error instanceof CognitoError ? error.code : error?.code;
  const message = String(error?.message ?? '');
  const kind = usernameKind();
  if (context === 'redirect') {
    const text = redirectErrorText(code);
    if (text) return text;
  }
  switch (code) {
    case 'NotAuthorizedException':
      if (/attempts exceeded/i.test(message)) return t('error.tooManyAttempts');
      if (/disabled/i.test(message)) return t('error.disabled');
      if (/already confirmed|current status is CONFIRMED/i.test(message)) return t('error.alreadyConfirmed');
      if (/session/i.test(message)) return t('error.stepExpired');
      if (context === 'signin') return t(`error.wrongCredentials.${kind}`);
      if (context === 'signin-factor' || context?.startsWith('factor-')) return t(`error.cannotSignIn.${kind}`);
      if (context === 'change-password' && /incorrect/i.test(message)) return t('error.wrongCurrentPassword');
      if (/token/i.test(message)) return t('error.sessionEnded');
      return t('error.notAllowed');
    case 'UserNotFoundException':
      return context === 'signin' ? t(`error.wrongCredentials.${kind}`) : t(`error.noAccount.${kind}`);
    case 'UserNotConfirmedException':
      return t('error.notConfirmed');
    case 'PasswordResetRequiredException':
      return t('error.resetRequired');
    case 'CodeMismatchException':
      return t('error.codeWrong');
    case 'ExpiredCodeException':
      return t('error.codeExpired');
    case 'EnableSoftwareTokenMFAException':
      return t('error.totpCodeWrong');
    case 'InvalidPasswordException': {
      const named = rulesNamedBy(message);
      return named.length ? passwordNeeds(named) : t('error.passwordRefused');
    }
    case 'PasswordHistoryPolicyViolationException':
      return t('error.passwordReused');
    case 'UsernameExistsException':
    case 'AliasExistsException':
      return t(`error.accountExists.${kind}`);
    case 'LimitExceededException':
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
      return t('error.tooManyAttempts');
    case 'CodeDeliveryFailureException':
      return t('error.codeNotSent');
    case 'InvalidParameterException':
      // Choice-based sign-in for a user with no factor these pages can use.
      if (context?.startsWith('factor-') && /first factor/i.test(message)) return t('error.noFactor');
      if (/no registered|not verified|no verified/i.test(message)) return t('error.noRecovery');
      if (/email/i.test(message)) return t('error.invalidEmail');
      if (/phone/i.test(message)) return t('error.invalidPhone');
      return t('error.invalidDetails');
    case 'InvalidArgument':
      return t('error.invalidDetails');
    case 'UserLambdaValidationException':
    case 'UnexpectedLambdaException':
    case 'InvalidLambdaResponseException':
      return t('error.refused');
    case 'SoftwareTokenMFANotFoundException':
      return t('error.totpNotSetUp');
    case 'NetworkError':
      return t('error.network');
    case 'TimeoutError':
    case 'AbortError':
      return t('error.timeout');
    case 'NotSignedIn':
      return t('error.signedOut');
    // Passkeys: the platform did not complete the ceremony. During sign-in the step stays open and
    // another way to sign in is offered.
    case 'PasskeyCanceled':
      return t(context === 'passkey-add' ? 'error.passkeyAddCanceled' : 'error.passkeyCanceled');
    case 'PasskeyNotSupported':
      return t(context === 'passkey-add' ? 'error.passkeyAddUnsupported' : 'error.passkeyUnsupported');
    case 'PasskeyAlreadyExists':
      return t('error.passkeyExists');
    case 'PasskeyRelyingPartyMismatch':
      return t('error.passkeyWrongSite');
    case 'PasskeyFailed':
      return t(context === 'passkey-add' ? 'error.passkeyAddFailed' : 'error.passkeyFailed');
    case 'WebAuthnNotEnabledException':
    case 'WebAuthnConfigurationMissingException':
      return t('error.passkeyUnavailable');
    case 'WebAuthnOriginNotAllowedException':
    case 'WebAuthnRelyingPartyMismatchException':
      return t('error.passkeyWrongSite');
    case 'WebAuthnCredentialNotSupportedException':
    case 'WebAuthnClientMismatchException':
    case 'WebAuthnChallengeNotFoundException':
      return t(context === 'passkey-add' ? 'error.passkeyAddFailed' : 'error.passkeyFailed');
    case 'InvalidState':
      return t('error.stepOver');
    case 'InternalErrorException':
    case 'ServiceUnavailableException':
      return t('error.serviceProblem');
    case 'ResourceNotFoundException':
    case 'InvalidUserPoolConfigurationException':
    case 'InvalidSmsRoleAccessPolicyException':
    case 'InvalidSmsRoleTrustRelationshipException':
    case 'InvalidEmailRoleAccessPolicyException':
      return t('error.misconfigured');
    default:
      if (UNEXPECTED_REPLY.includes(code)) return t('error.unexpectedAnswer');
      return t('error.generic');
  }
}

/**
 * A sign-in through the pool's domain that came back with an error (the OAuth `error` as the code)
 * or could not be finished. Null for the codes every context shares (network, timeout).
 */
function redirectErrorText(code) {
  switch (code) {
    case 'access_denied':
      return t('error.redirectDenied');
    case 'login_required':
    case 'interaction_required':
      return t('error.redirectLoginRequired');
    // The code or the tab's record was used up or expired: a reload, the back button, a second tab;
    // or the callback was not this tab's (its state) or its tokens not this sign-in's: either way the
    // address was cleaned, and only starting again helps.
    case 'invalid_grant':
    case 'InvalidState':
    case 'UnexpectedResponse':
    case 'MalformedToken':
      return t('error.redirectExpired');
    // The app client, the domain or the provider is not set up for this.
    case 'invalid_request':
    case 'unauthorized_client':
    case 'invalid_client':
    case 'invalid_scope':
    case 'unsupported_response_type':
    case 'redirect_mismatch':
      return t('error.redirectUnavailable');
    case 'server_error':
    case 'temporarily_unavailable':
      return t('error.serviceProblem');
    default:
      return null;
  }
}

/** The field a failure is about, to move focus to it (a wrong code → the code field). */
function fieldOf(error, form, context) {
  if (error instanceof PagesError) return error.field;
  const pick = (name) => $(`input[name="${name}"]`, form);
  switch (error?.code) {
    case 'CodeMismatchException':
    case 'ExpiredCodeException':
    case 'EnableSoftwareTokenMFAException':
      return pick('code');
    case 'InvalidPasswordException':
    case 'PasswordHistoryPolicyViolationException':
      return pick('password');
    case 'UsernameExistsException':
    case 'AliasExistsException':
      return pick('username');
    case 'NotAuthorizedException':
      // An expired or used-up step ("Invalid session for the user…") is about no field.
      if (/session/i.test(String(error.message))) return null;
      if (context === 'change-password' && /incorrect/i.test(String(error.message))) return pick('old');
      if (context === 'signin') return pick('password');
      return null;
    case 'UserNotFoundException':
      return context === 'signin' ? pick('password') : pick('username');
    default:
      return null;
  }
}

/** The part of the page a message about `root` goes in: its own box, or the nearest one above. */
function boxes(root) {
  const part = root.closest('[data-part]') ?? root.closest('[data-view]') ?? root;
  return { part, error: $('[data-error]', part), notice: $('[data-notice]', part) };
}

/** Takes away the marks of an error in `scope`: fields marked invalid, the messages under them
 * (and their links from the fields); the error boxes show their text again. */
function clearFieldErrors(scope) {
  for (const input of $$('[aria-invalid]', scope)) input.removeAttribute('aria-invalid');
  for (const message of $$('.field-error', scope)) {
    const input = document.getElementById(message.dataset.for);
    const rest = (input?.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id && id !== message.id);
    if (rest.length) input.setAttribute('aria-describedby', rest.join(' '));
    else input?.removeAttribute('aria-describedby');
    message.remove();
  }
  for (const box of $$('[data-error].visually-hidden', scope)) box.classList.remove('visually-hidden');
}

/** The error in `box` shown again under `field`, which it then describes; the box keeps its text
 * for screen readers only. */
function showUnder(field, box) {
  const message = document.createElement('p');
  message.className = 'field-error';
  message.id = `${field.id}-error`;
  message.dataset.for = field.id;
  message.textContent = box.textContent;
  // Below the field's show/hide wrapper when it has one.
  (field.closest('.secret-field') ?? field).after(message);
  // The error first: it is what the field is read out with after the label.
  field.setAttribute('aria-describedby', [message.id, field.getAttribute('aria-describedby')].filter(Boolean).join(' '));
  box.classList.add('visually-hidden');
  return message;
}

/**
 * Shows an error in `root`'s box (a text or a failure to describe), clears any notice of the same
 * place (a success message never stands above an error), and moves focus to the field it is about
 * or to the message itself. An error about one field is shown under that field (and the field
 * described by it); the box then keeps the text for screen readers only (it is the live region
 * that announces it).
 */
function showError(root, error, context, { focus = true } = {}) {
  const { part, error: box, notice } = boxes(root);
  clearFieldErrors(part);
  if (!error) {
    box.textContent = '';
    return;
  }
  const form = root.closest('form') ?? $('form', part);
  box.textContent = typeof error === 'string' ? error : describeError(error, context);
  setNotice(notice, '');
  // A notice elsewhere in the same view (e.g. "Your account is confirmed" above the sign-in form)
  // would contradict the error: it goes too.
  const section = root.closest('[data-view]');
  if (section) for (const other of $$('[data-notice]', section)) if (!other.closest('[data-part]') || other.closest('[data-part]') === part) setNotice(other, '');
  const field = typeof error === 'string' ? null : fieldOf(error, form, context);
  let under = null;
  if (field && !field.closest('[hidden]')) {
    field.setAttribute('aria-invalid', 'true');
    if (field.id) under = showUnder(field, box);
    if (focus) field.focus();
  } else if (focus) {
    box.focus();
  }
  // Into view: the message under the field, or the box (hidden from sight when the other is shown).
  (under ?? box).scrollIntoView?.({ block: 'nearest' });
}

function setNotice(box, text, tone = 'success') {
  if (!box) return;
  box.textContent = text ?? '';
  box.classList.remove('success', 'info', 'warning');
  if (text) box.classList.add(tone);
}

/**
 * A notice in a view (`name`) or in a part of it (an element): shown where the user is, in the
 * view's live region, with the same place's error cleared. `focus` moves focus to it (after an
 * action whose button is gone or disabled, so that focus never falls to the page).
 */
function notice(target, text, { tone = 'success', focus = false } = {}) {
  const root = typeof target === 'string' ? view(target) : target;
  const { part, error, notice: box } = boxes(root);
  if (!box) return;
  if (text && error) {
    error.textContent = '';
    clearFieldErrors(part);
  }
  setNotice(box, text, tone);
  if (text && focus) {
    box.focus();
    box.scrollIntoView?.({ block: 'nearest' });
  }
}

// ---------------------------------------------------------------------------------------------
// Views and routing.

/** The first visible field of `root` with nothing in it. */
const firstEmpty = (root) =>
  $$('input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([disabled]):not([readonly])', root).find(
    (input) => !input.value && !input.closest('[hidden]') && input.offsetParent !== null,
  );

function show(name, { focus = true, focusTarget = null } = {}) {
  if (SIGN_IN_STEPS.includes(name) && !(pending && pending.allowed.includes(name))) name = 'signin';
  current = name;
  for (const section of $$('[data-view]')) {
    section.hidden = section.dataset.view !== name;
    if (section.hidden) leave(section);
  }
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  document.title = `${$('h1', view(name)).textContent} · ${brandName}`;
  if (focus) {
    const target = (focusTarget && $(focusTarget)) || (HEADING_FIRST.includes(name) ? null : firstEmpty(view(name)));
    (target ?? $('h1', view(name))).focus();
  }
  onShow[name]?.();
}

/** A view left behind keeps no message, password, code or TOTP secret. */
function leave(section) {
  clearFieldErrors(section);
  for (const box of $$('[data-error]', section)) box.textContent = '';
  for (const box of $$('[data-notice]', section)) setNotice(box, '');
  for (const input of $$('.secret-field input, input[autocomplete=one-time-code], #custom-answer', section)) input.value = '';
  for (const input of $$('.secret-field input', section)) {
    concealPassword(input);
    input.dispatchEvent(new Event('input'));
  }
  if (section.dataset.view === 'totp-setup') {
    $('[data-qr]').replaceChildren();
    $('[data-totp-open]').removeAttribute('href');
    $('[data-totp-secret]').textContent = '';
    $('[data-totp-account]').textContent = '';
    delete $('[data-totp-secret]').dataset.secret;
    $('[data-copy-secret]').textContent = t('button.copyKey');
    $('[data-copy-status]').textContent = '';
  }
}

/** The browser moved through history (or a link changed the hash). Unknown hashes change nothing. */
function route() {
  let name = location.hash.slice(1) || 'signin';
  if (name === 'signup' && config?.features.signUp === false) name = 'signin';
  if (ALIASES[name]) {
    const [target, focusTarget] = ALIASES[name];
    show(target, { focusTarget });
    $(focusTarget)?.scrollIntoView?.({ block: 'start' });
  } else if (view(name)) show(name);
  else if (current) history.replaceState(null, '', `#${current}`);
  else show('signin');
}

/** Shows a view now, as a new history entry, so that messages set next land on a visible view. */
function go(name, options) {
  if (location.hash !== `#${name}`) history.pushState(null, '', `#${name}`);
  show(name, options);
}

/** The text asking for an empty field. */
function missingText(input) {
  if (input.name === 'username') return t(`missing.username.${usernameKind()}`);
  if (input.name === 'password') return t(input.autocomplete === 'new-password' ? 'missing.newPassword' : 'missing.password');
  if (input.name === 'old') return t('missing.currentPassword');
  if (input.name === 'code') return t('missing.code');
  if (input.name === 'answer') return t('missing.answer');
  return t('missing.field', { label: labelOf(input) });
}

/** The first problem the pages can see in a form before sending it: an empty field, an unmet rule. */
function checkForm(form) {
  const fields = $$('input[required]', form).filter((input) => !input.closest('[hidden]'));
  const missing = fields.find((input) => !input.value.trim());
  if (missing) return new PagesError(missingText(missing), missing);
  const email = fields.find((input) => input.type === 'email' && !/^[^@\s]+@[^@\s]+$/.test(input.value.trim()));
  if (email) return new PagesError(t('error.invalidEmail'), email);
  const newPassword = $('input[autocomplete="new-password"]', form);
  if (newPassword && !newPassword.closest('[hidden]')) {
    const unmet = passwordRules(config.rules.passwordPolicy).filter(([, test]) => !test(newPassword.value));
    if (unmet.length) return new PagesError(passwordNeeds(unmet.map(([, , id]) => id)), newPassword);
  }
  return null;
}

/**
 * Runs a form's action with its buttons disabled and its error box cleared; shows failures. A
 * form whose fields are empty or whose new password misses a rule it shows is not sent.
 */
function onSubmit(name, action, context = name) {
  const form = $(`[data-form="${name}"]`);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const input of $$('.secret-field input', form)) concealPassword(input);
    const problem = checkForm(form);
    if (problem) {
      showError(form, problem, context);
      return;
    }
    let failure = null;
    await busy(form, async () => {
      showError(form, null);
      try {
        await action(Object.fromEntries(new FormData(form)), form);
      } catch (error) {
        failure = error;
      }
    });
    if (!failure || form.closest('[hidden]')) return;
    if (context === 'account' && (await sessionEnded(failure))) return;
    showError(form, failure, context === 'account' ? name : context);
  });
}

/** Disables `root`'s buttons while `action` runs; focus on one of them is kept on its return. */
async function busy(root, action) {
  const buttons = $$('button', root);
  buttons.forEach((b) => (b.disabled = true));
  root.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    root.removeAttribute('aria-busy');
  }
}

const labelOf = (input) => $(`label[for="${input.id}"]`)?.textContent.trim() ?? input.name;

/**
 * Keeps the username for the next steps: `fields` (the next step's username inputs) get it for
 * sure, empty username fields elsewhere as a convenience.
 */
function rememberUsername(username, ...fields) {
  try {
    sessionStorage.setItem(REMEMBERED_USERNAME, username);
  } catch {
    // Storage may be unavailable (private modes); prefilling is only a convenience.
  }
  for (const id of fields) document.getElementById(id).value = username;
  for (const input of $$('input[name=username]')) if (!input.value) input.value = username;
}

/** Forgets the kept username: after a sign-out the next user of this browser starts blank. */
function forgetUsername() {
  try {
    sessionStorage.removeItem(REMEMBERED_USERNAME);
  } catch {
    // Nothing was kept where there is no storage.
  }
  for (const input of $$('input[name=username]')) input.value = '';
}

/** The name the user signs in with, for password managers and authenticator apps. */
function setSignInName(name) {
  signInName = name ?? '';
  for (const input of $$('[data-account-username]')) input.value = signInName;
  // The password step says whose password it asks for ("Start over" below it is the way out).
  $('[data-signing-in-as]').textContent = signInName ? t('signin.as', { account: signInName }) : '';
}

/**
 * After a failure on a signed-in page: when the session is over (revoked elsewhere, expired refresh
 * token), drop the stored tokens and send the user to sign in. Returns whether it did.
 */
async function sessionEnded(error) {
  const code = error?.code;
  // "Access Token does not have required scopes" is the pages' configuration, not an ended session.
  const message = String(error?.message);
  const over = code === 'NotSignedIn' || (code === 'NotAuthorizedException' && /token|session/i.test(message) && !/scope/i.test(message));
  if (!over) return false;
  await auth.signOut().catch(() => {});
  clearAccount();
  go('signin');
  notice('signin', t('notice.sessionEnded'), { tone: 'warning' });
  return true;
}

// ---------------------------------------------------------------------------------------------
// Password fields: policy hints live as the user types, and a show-password button.

function setUpPasswordHints() {
  const policy = config.rules.passwordPolicy;
  const rules = passwordRules(policy);
  for (const listEl of $$('[data-rules-for]')) {
    const input = document.getElementById(listEl.dataset.rulesFor);
    listEl.replaceChildren(
      ...rules.map(([, , id]) => {
        const item = document.createElement('li');
        item.innerHTML = '<span class="mark" aria-hidden="true"></span><span class="text"></span><span class="sr-only"></span>';
        $('.text', item).textContent = t(`rule.${id}`, { n: policy.minimumLength });
        return item;
      }),
    );
    const update = () => {
      rules.forEach(([, test], i) => {
        const item = listEl.children[i];
        const met = test(input.value);
        item.classList.toggle('met', met);
        $('.mark', item).textContent = met ? '✓' : '•';
        $('.sr-only', item).textContent = met ? t('rule.met') : t('rule.unmet');
      });
    };
    input.addEventListener('input', update);
    update();
  }
}

function concealPassword(input) {
  if (input.type !== 'text' && input.type !== 'password') return;
  input.type = 'password';
  const toggle = input.parentElement.querySelector('[data-reveal]');
  toggle?.setAttribute('aria-pressed', 'false');
}

/** A "Show" button beside each password field; the field is hidden again when it is sent or left. */
function setUpPasswordToggles() {
  for (const wrap of $$('.secret-field')) {
    const input = $('input', wrap);
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'secondary small reveal';
    toggle.dataset.reveal = '';
    toggle.dataset.i18n = 'button.show';
    toggle.dataset.i18nAttr = 'aria-label:button.showPassword';
    toggle.textContent = t('button.show');
    toggle.setAttribute('aria-label', t('button.showPassword'));
    toggle.setAttribute('aria-controls', input.id);
    toggle.setAttribute('aria-pressed', 'false');
    toggle.addEventListener('click', () => {
      const reveal = input.type === 'password';
      input.type = reveal ? 'text' : 'password';
      toggle.setAttribute('aria-pressed', String(reveal));
    });
    wrap.append(toggle);
  }
}

// ---------------------------------------------------------------------------------------------
// Username and required attributes, from the pool's rules.

// [input type, autocomplete] of the standard attributes; their labels are in the dictionaries.
const ATTRIBUTE_FIELDS = {
  email: ['email', 'email'],
  phone_number: ['tel', 'tel'],
  name: ['text', 'name'],
  given_name: ['text', 'given-name'],
  family_name: ['text', 'family-name'],
  middle_name: ['text', 'additional-name'],
  nickname: ['text', 'nickname'],
  preferred_username: ['text', 'nickname'],
  birthdate: ['text', 'bday'],
  address: ['text', 'street-address'],
  gender: ['text', 'sex'],
  locale: ['text', 'language'],
  zoneinfo: ['text', 'off'],
  website: ['url', 'url'],
  profile: ['url', 'url'],
  picture: ['url', 'photo'],
};

/**
 * An attribute's value as the account page shows it, or null to leave it out: yes or no for a
 * verification, the date of `updated_at` (seconds), the providers of a federated user's
 * `identities` (JSON the service keeps), else the value itself.
 */
function attributeText(name, value) {
  if (name.endsWith('_verified')) return value === 'true' ? t('yes') : t('no');
  if (name === 'updated_at') {
    const date = new Date(Number(value) * 1000);
    return /^\d+$/.test(value) && !Number.isNaN(date.getTime())
      ? date.toLocaleString(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' })
      : null;
  }
  if (name === 'identities') {
    let names = [];
    try {
      const identities = JSON.parse(value);
      if (Array.isArray(identities)) names = identities.map((i) => i?.providerName).filter((n) => typeof n === 'string' && n);
    } catch {}
    return names.length ? list([...new Set(names)]) : null;
  }
  return value;
}

const attributeLabel = (name) => (has(`attr.${name}`) ? t(`attr.${name}`) : name.replace(/^custom:/, '').replace(/_/g, ' '));

function attributeField(name, prefix, { optional = null } = {}) {
  const [type, autocomplete] = ATTRIBUTE_FIELDS[name] ?? ['text', 'off'];
  const id = `${prefix}-attr-${name.replace(/[^a-z0-9_-]/gi, '-')}`;
  const wrap = document.createElement('div');
  wrap.className = 'field';
  wrap.innerHTML = '<label></label><input required>';
  const [labelEl, input] = wrap.children;
  labelEl.htmlFor = id;
  const label = attributeLabel(name);
  labelEl.textContent = (label[0].toUpperCase() + label.slice(1)) + (optional ? ` ${t(optional)}` : '');
  Object.assign(input, { id, name: `attr:${name}`, type, autocomplete, required: !optional });
  return wrap;
}

function setUpUsernameFields() {
  const kind = usernameKind();
  for (const el of $$('[data-username-label]')) {
    el.dataset.i18n = `field.username.${kind}`;
    el.textContent = t(`field.username.${kind}`);
  }
  if (kind === 'email') for (const input of $$('input[name=username]')) input.type = 'email';
  if (kind === 'phone') for (const input of $$('input[name=username]')) input.type = 'tel';
  // With email and phone both accepted as usernames, a required one of them is asked for only when
  // the username is not already it.
  const attrs = config.rules.usernameAttributes;
  const other = { email: 'field.optional.ifPhone', phone_number: 'field.optional.ifEmail' };
  $('[data-required-attributes]').replaceChildren(
    ...config.rules.requiredAttributes.map((name) =>
      attributeField(name, 'signup', { optional: attrs.includes(name) ? (other[name] ?? null) : null }),
    ),
  );
}

/** Whether a typed username is a value of this username attribute. */
function usernameIs(name, username) {
  return name === 'email' ? username.includes('@') : name === 'phone_number' ? /^\+[0-9]+$/.test(username) : false;
}

function attributesFrom(values) {
  const attributes = {};
  for (const [key, value] of Object.entries(values)) if (key.startsWith('attr:')) attributes[key.slice(5)] = value.trim();
  return attributes;
}

// ---------------------------------------------------------------------------------------------
// Sign-in and its steps.

const MFA_NAMES = { TOTP: 'mfa.type.totp', SMS: 'mfa.type.sms', EMAIL: 'mfa.type.email' };

async function continueSignIn(output) {
  const step = output.nextStep;
  switch (step.signInStep) {
    case 'DONE':
      return finishSignIn();
    case 'CONFIRM_SIGN_IN_WITH_TOTP_CODE':
    case 'CONFIRM_SIGN_IN_WITH_SMS_CODE':
    case 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE': {
      const where = step.codeDeliveryDetails?.destination;
      $('[data-mfa-hint]').textContent = step.signInStep.includes('TOTP')
        ? t('mfa.hint.totp')
        : where
          ? t('mfa.hint.sent', { where })
          : t('mfa.hint.sentSomewhere');
      $('#mfa-code').value = '';
      // A code that is the first factor (no password before it) can be sent again by a new sign-in.
      const medium = { CONFIRM_SIGN_IN_WITH_EMAIL_CODE: 'EMAIL_OTP', CONFIRM_SIGN_IN_WITH_SMS_CODE: 'SMS_OTP' }[step.signInStep];
      $('[data-new-sign-in-code]').hidden = !(medium && pending?.codeFactor === medium);
      return enterStep('mfa');
    }
    case 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION': {
      $('[data-mfa-choices]').replaceChildren(
        ...step.allowedMFATypes.map((type, i) => {
          const label = document.createElement('label');
          label.className = 'check';
          label.innerHTML = '<input type="radio" name="mfaType">';
          label.firstChild.value = type;
          label.firstChild.checked = i === 0;
          label.append(` ${MFA_NAMES[type] ? t(MFA_NAMES[type]) : type}`);
          return label;
        }),
      );
      return enterStep('select-mfa');
    }
    case 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION': {
      showFactorChoices(step.availableChallenges);
      const asked = pending?.asked;
      enterStep('select-factor');
      if (asked && !step.availableChallenges.includes(asked)) notice('select-factor', t(FACTOR_MISSING[asked]), { tone: 'info' });
      return;
    }
    case 'CONFIRM_SIGN_IN_WITH_PASSWORD':
      $('#factor-password').value = '';
      return enterStep('signin-password');
    case 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP':
      totpOrigin = 'signin';
      showTotpSetup(step.totpSetupDetails);
      return enterStep('totp-setup');
    case 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED':
      $('[data-missing-attributes]').replaceChildren(...step.missingAttributes.map((name) => attributeField(name, 'new-password')));
      return enterStep('new-password');
    case 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE': {
      const info = $('[data-custom-info]');
      info.replaceChildren();
      // USERNAME is the service's username (an opaque id where email or phone is the username).
      const entries = Object.entries(step.additionalInfo ?? {}).filter(([name]) => name !== 'USERNAME');
      for (const [key, value] of entries) {
        const dt = document.createElement('dt');
        const dd = document.createElement('dd');
        // The names are the app's own (its challenge trigger's): one value alone (a question) is
        // shown without its name, which stays for screen readers.
        if (entries.length === 1) dt.className = 'visually-hidden';
        dt.textContent = key;
        dd.textContent = value;
        info.append(dt, dd);
      }
      $('#custom-answer').value = '';
      return enterStep('custom');
    }
    case 'CONFIRM_SIGN_UP':
      pending = null;
      rememberUsername($('#signin-username').value.trim(), 'confirm-username');
      go('confirm');
      notice('confirm', t('notice.confirmFirst'), { tone: 'info' });
      return;
    case 'RESET_PASSWORD':
      pending = null;
      rememberUsername($('#signin-username').value.trim(), 'forgot-username');
      go('forgot');
      return;
    default:
      throw new PagesError(t('error.unsupportedStep'));
  }
}

// The first factors, in the order offered, by what the user knows them as. PASSWORD (sent as it is)
// and PASSWORD_SRP (proven without sending it) are one choice for the user: the SRP one when offered.
const FACTOR_NAMES = { WEB_AUTHN: 'factor.passkey', EMAIL_OTP: 'factor.emailCode', SMS_OTP: 'factor.smsCode', PASSWORD_SRP: 'factor.password', PASSWORD: 'factor.password' };

function showFactorChoices(available) {
  const offered = available.filter((factor) => FACTOR_NAMES[factor] && !(factor === 'PASSWORD' && available.includes('PASSWORD_SRP')));
  if (!offered.length) throw new PagesError(t('error.noFactor'));
  $('[data-factor-choices]').replaceChildren(
    ...offered.map((factor, i) => {
      const label = document.createElement('label');
      label.className = 'check';
      label.innerHTML = '<input type="radio" name="factor">';
      label.firstChild.value = factor;
      label.firstChild.checked = i === 0;
      label.append(` ${t(FACTOR_NAMES[factor])}`);
      return label;
    }),
  );
}

function enterStep(name) {
  pending.allowed = [name];
  go(name);
}

/**
 * Sends an answer to the current sign-in step. If the user started over (or went elsewhere) while
 * it was in flight, the reply is ignored.
 */
/** Ends the sign-in in progress: back to the form, the username kept, saying why. */
function backToSignIn(error) {
  pending = null;
  go('signin', { focus: false });
  showError($('[data-form="signin"]'), error, 'signin');
}

async function answer(input) {
  const attempt = pending;
  if (!attempt) throw Object.assign(new Error('no sign-in in progress'), { code: 'InvalidState' });
  let output;
  try {
    output = await auth.confirmSignIn(input);
  } catch (error) {
    // The service's sign-in session is over (the step waited too long): nothing is left to answer.
    // Back to the form, the username kept, which says so and where the user starts again.
    if (error?.code !== 'NotAuthorizedException' || !/session/i.test(String(error.message))) throw error;
    if (pending === attempt) backToSignIn(error);
    return;
  }
  if (pending === attempt) await continueSignIn(output);
}

async function finishSignIn() {
  const remember = pending?.remember;
  pending = null;
  if (remember) {
    try {
      await auth.rememberDevice();
    } catch {
      // Signed in all the same; the device is simply not remembered (e.g. no device tracking).
    }
  }
  const target = redirectTarget(config);
  if (target) {
    for (const section of $$('[data-view]')) leave(section);
    location.assign(target);
  } else go('account');
}

function setUpSignIn() {
  const features = config.features;
  const form = $('[data-form="signin"]');
  const remember = $('[data-remember]');
  remember.hidden = config.rules.described && !config.rules.deviceTracking?.askUser;

  // Without a password on this form, its button starts the choice of factor (config "signIn":
  // { "password": false }).
  $('[data-signin-password-field]').hidden = !features.password;
  if (!features.password) {
    const submit = $('[data-signin-submit]', form);
    submit.dataset.i18n = 'button.continue';
    submit.textContent = t('button.continue');
  }
  const offered = { WEB_AUTHN: features.passkey, EMAIL_OTP: features.emailCode, SMS_OTP: features.smsCode, '': features.choice && features.password };
  for (const button of $$('[data-signin-with]', form)) button.hidden = !offered[button.dataset.signinWith];
  const alternatives = $$('[data-signin-with]:not([hidden])', form);
  $('[data-alternatives]', form).hidden = !alternatives.length;
  $('[data-or]', form).hidden = !features.password;

  /**
   * Starts a sign-in; `input` is what signIn takes besides the username. A reply that comes after
   * the user started over (or went elsewhere) is ignored; otherwise the reply is returned.
   */
  async function begin(username, input, rememberDevice) {
    rememberUsername(username);
    setSignInName(username);
    const attempt = { allowed: [], remember: rememberDevice, asked: input.preferredChallenge, username, codeFactor: input.password ? null : input.preferredChallenge };
    pending = attempt;
    try {
      const output = await auth.signIn({ username, ...input });
      if (pending !== attempt) return undefined;
      await continueSignIn(output);
      return output;
    } catch (error) {
      if (pending !== attempt) return;
      pending = null;
      if (error?.code === 'UserNotConfirmedException') {
        rememberUsername(username, 'confirm-username');
        go('confirm');
        notice('confirm', t('notice.confirmFirst'), { tone: 'info' });
        return;
      }
      if (error?.code === 'PasswordResetRequiredException') {
        rememberUsername(username, 'forgot-username');
        go('forgot');
        showError(view('forgot'), t('error.resetRequired'), 'forgot', { focus: false });
        return;
      }
      throw error;
    } finally {
      $('#signin-password').value = '';
    }
  }

  onSubmit('signin', async ({ username, password, remember: rememberBox }) => {
    const choice = features.password ? { password } : { authFlow: 'USER_AUTH' };
    await begin(username.trim(), choice, rememberBox === 'on');
  });

  // Passkey, emailed code, texted code, or "other ways": choice-based sign-in (USER_AUTH), which
  // needs the username only. The service offers the factors the user has when the asked one is not.
  for (const button of alternatives) {
    button.addEventListener('click', async () => {
      const input = $('#signin-username');
      showError(form, null);
      if (!input.value.trim()) {
        showError(form, new PagesError(missingText(input), input), 'signin');
        return;
      }
      const factor = button.dataset.signinWith;
      let failure = null;
      await busy(form, async () => {
        try {
          await begin(input.value.trim(), { authFlow: 'USER_AUTH', ...(factor ? { preferredChallenge: factor } : {}) }, $('input[name=remember]', form).checked);
        } catch (error) {
          failure = error;
        }
      });
      if (failure && !form.closest('[hidden]')) showError(form, failure, factor ? `factor-${factor}` : 'signin-factor');
    });
  }
  setUpRedirectSignIn(form);
  onSubmit('mfa', ({ code }) => answer({ challengeResponse: code.trim() }), 'code');
  onSubmit('select-mfa', ({ mfaType }) => answer({ challengeResponse: mfaType }));
  // A passkey that fails here (cancelled, not on this device) keeps the choice open: the user picks another.
  onSubmit('select-factor', ({ factor }) => {
    if (pending) pending.codeFactor = factor;
    return answer({ challengeResponse: factor });
  }, 'signin-factor');
  // "Send a new code" on an emailed or texted first factor: the same sign-in again, which sends one.
  $('[data-new-sign-in-code]').addEventListener('click', async () => {
    const form = $('[data-form="mfa"]');
    const attempt = pending;
    if (!attempt?.codeFactor) return;
    await busy(form, async () => {
      showError(form, null);
      try {
        const output = await begin(attempt.username, { authFlow: 'USER_AUTH', preferredChallenge: attempt.codeFactor }, attempt.remember);
        if (/^CONFIRM_SIGN_IN_WITH_(EMAIL|SMS)_CODE$/.test(output?.nextStep.signInStep)) {
          notice('mfa', deliveryText(output.nextStep.codeDeliveryDetails, 'newCode'), { tone: 'info' });
          $('#mfa-code').focus();
        }
      } catch (error) {
        // begin() throws only for the sign-in still in progress. The earlier step was let go when
        // it began: nothing is left to answer here. Back to the form, the username kept.
        backToSignIn(error);
      }
    });
  });
  onSubmit('signin-password', async ({ password }) => {
    try {
      await answer({ challengeResponse: password });
    } catch (error) {
      if (error?.code !== 'NotAuthorizedException') throw error;
      // A wrong password ends the sign-in, as after any wrong password.
      backToSignIn(error);
    }
  }, 'signin');
  onSubmit('new-password', (values) => answer({ challengeResponse: values.password, userAttributes: attributesFrom(values) }));
  onSubmit('custom', (values) => answer({ challengeResponse: values.answer }));
  for (const link of $$('[data-restart]')) {
    link.addEventListener('click', () => {
      if (link.hasAttribute('data-totp-cancel') && totpOrigin === 'account') {
        link.setAttribute('href', '#account');
        return;
      }
      link.setAttribute('href', '#signin');
      pending = null;
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Sign-in through the pool's domain (config.json "oauth"): the package sends the browser there and
// finishes the sign-in when it comes back to these pages (handleRedirect in main).

/** "Continue with …" for each configured provider and "More sign-in options" (the hosted page, COGNITO). */
function setUpRedirectSignIn(form) {
  const { providers, hostedPage } = config.features;
  const block = $('[data-providers]');
  block.hidden = !providers.length && !hostedPage;
  if (block.hidden) return;
  const buttons = providers.map(({ provider, label }) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary';
    button.textContent = t('button.continueWith', { provider: label });
    button.dataset.provider = typeof provider === 'string' ? provider : provider.custom;
    button.addEventListener('click', () => leaveFor(provider));
    return button;
  });
  $('[data-provider-buttons]', block).replaceChildren(...buttons);
  const hosted = $('[data-hosted-page]', block);
  hosted.hidden = !hostedPage;
  hosted.addEventListener('click', () => leaveFor('COGNITO'));

  async function leaveFor(provider) {
    showError(form, null);
    // Where to go after sign-in travels as the redirect's customState, and is checked against
    // allowedRedirectUris again when the user is back.
    const asked = new URLSearchParams(location.search).get('redirect_uri');
    const customState = asked && redirectTarget(config) ? asked : undefined;
    await busy(block, async () => {
      try {
        await auth.signInWithRedirect({ provider, ...(customState ? { customState } : {}), lang: currentLanguage() });
      } catch (error) {
        showError(form, error, 'redirect');
      }
    });
  }
}

/**
 * On every load with "oauth" configured: finishes a sign-in coming back from the pool's domain.
 * Returns true when the user is signed in by it (and sent on), false otherwise; an error is shown
 * on the sign-in view (the package stored nothing).
 */
async function finishRedirect() {
  let handled;
  try {
    handled = await auth.handleRedirect();
  } catch (error) {
    show('signin', { focus: false });
    showError($('[data-form="signin"]'), error, 'redirect');
    return true;
  }
  if (!handled?.isSignedIn) return false;
  const asked = handled.customState ? `?redirect_uri=${encodeURIComponent(handled.customState)}` : '';
  const target = redirectTarget(config, asked);
  if (target) location.assign(target);
  else show('account', { focus: false });
  return true;
}

// ---------------------------------------------------------------------------------------------
// TOTP setup (shared by the MFA_SETUP challenge and the account page).

/**
 * The otpauth URI the QR code carries, labelled with the name the user signs in with. The
 * package's `setupUri` is labelled with the service's username, which is an opaque id in pools
 * where email or phone is the username; the secret is the same.
 */
function totpUri(secret, issuer, account) {
  const label = account ? `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}` : encodeURIComponent(issuer);
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}`;
}

function showTotpSetup(details) {
  const box = $('[data-qr]');
  const account = signInName || '';
  try {
    box.innerHTML = qrSvg(totpUri(details.sharedSecret, brandName, account), { label: t('totp.qrLabel') });
  } catch {
    box.textContent = t('totp.qrTooLong');
  }
  // Groups of four, as authenticator apps show them; the app ignores the spaces.
  // A phone cannot scan its own screen: the otpauth: address opens the app that handles it.
  $('[data-totp-open]').href = totpUri(details.sharedSecret, brandName, account);
  $('[data-totp-secret]').textContent = details.sharedSecret.replace(/(.{4})(?=.)/g, '$1 ');
  $('[data-totp-secret]').dataset.secret = details.sharedSecret;
  $('[data-totp-account]').textContent = account ? t('totp.account', { account, issuer: brandName }) : '';
  $('#totp-code').value = '';
}

/** Asks before a risky action, in the page's own dialog. Resolves to whether the user said yes. */
function confirmRisk({ title, text, yes }) {
  const dialog = $('[data-confirm]');
  $('[data-confirm-title]', dialog).textContent = title;
  $('[data-confirm-text]', dialog).textContent = text;
  $('[data-confirm-yes]', dialog).textContent = yes;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
    dialog.showModal();
    $('[data-confirm-no]', dialog).focus();
  });
}

function setUpTotp() {
  $('[data-copy-secret]').addEventListener('click', async (event) => {
    try {
      await navigator.clipboard.writeText($('[data-totp-secret]').dataset.secret);
      event.target.textContent = t('button.copied');
    } catch {
      event.target.textContent = t('button.copyManually');
    }
    // A changed button label is not read out: the status region says it.
    $('[data-copy-status]').textContent = event.target.textContent;
  });
  onSubmit(
    'totp-setup',
    async ({ code }) => {
      if (totpOrigin === 'signin') {
        await answer({ challengeResponse: code.trim() });
        return;
      }
      await auth.verifyTotpSetup({ code: code.trim(), friendlyDeviceName: brandName });
      await auth.setMfaPreference({ totp: 'PREFERRED' });
      totpOrigin = null;
      pending = null;
      go('account', { focus: false });
      notice($('[data-part="mfa"]'), t('notice.totpOn'), { focus: true });
    },
    'account',
  );
  const part = $('[data-part="mfa"]');
  $('[data-totp-start]').addEventListener('click', () =>
    busy(part, async () => {
      showError(part, null);
      try {
        const details = await auth.setUpTotp({ issuer: brandName });
        totpOrigin = 'account';
        pending = { allowed: ['totp-setup'] };
        showTotpSetup(details);
        go('totp-setup');
      } catch (error) {
        if (!(await sessionEnded(error))) showError(part, error);
      }
    }),
  );
  $('[data-totp-off]').addEventListener('click', async () => {
    const yes = await confirmRisk({ title: t('confirm.totpOff.title'), text: t('confirm.totpOff.text'), yes: t('confirm.totpOff.yes') });
    if (!yes) {
      $('[data-totp-off]').focus();
      return;
    }
    await busy(part, async () => {
      showError(part, null);
      try {
        await auth.setMfaPreference({ totp: 'DISABLED' });
        await refreshAccount();
        notice(part, t('notice.totpOff'), { focus: true });
      } catch (error) {
        if (!(await sessionEnded(error))) showError(part, error);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Sign-up, confirmation, password reset.

function setUpAccountRecovery() {
  const withPassword = config.features.signUpPassword;
  $('[data-signup-password]').hidden = !withPassword;
  $('[data-signup-passwordless]').hidden = withPassword;
  if (!withPassword && config.features.passkey && config.features.passkeys) {
    $('[data-signup-passwordless]').dataset.i18n = 'signup.passwordlessPasskey';
    $('[data-signup-passwordless]').textContent = t('signup.passwordlessPasskey');
  }

  onSubmit('signup', async (values) => {
    const username = values.username.trim();
    const attributes = attributesFrom(values);
    for (const name of config.rules.usernameAttributes) if (usernameIs(name, username)) attributes[name] = username;
    const missing = config.rules.requiredAttributes.find((name) => !attributes[name]);
    if (missing) {
      const input = document.getElementById(`signup-attr-${missing.replace(/[^a-z0-9_-]/gi, '-')}`);
      throw new PagesError(t('missing.attribute', { label: attributeLabel(missing) }), input);
    }
    // Without a password (config "signUp": { "password": false }) the user signs in with a code or a passkey.
    const password = config.features.signUpPassword ? { password: values.password } : {};
    const output = await auth.signUp({ username, ...password, userAttributes: attributes });
    rememberUsername(username, 'confirm-username', 'signin-username');
    $('#signup-password').value = '';
    if (output.nextStep.signUpStep === 'DONE') {
      go('signin');
      notice('signin', t('notice.accountReady'));
      return;
    }
    go('confirm');
    notice('confirm', deliveryText(output.nextStep.codeDeliveryDetails, 'confirmationCode'), { tone: 'info' });
  });

  onSubmit('confirm', async ({ username, code }) => {
    username = username.trim();
    const output = await auth.confirmSignUp({ username, confirmationCode: code.trim() });
    $('#confirm-code').value = '';
    if (output.nextStep.signUpStep === 'COMPLETE_AUTO_SIGN_IN') {
      // The service signs the user in with the confirmation: no password or code asked again.
      setSignInName(username);
      const attempt = { allowed: [] };
      pending = attempt;
      try {
        const signedIn = await auth.autoSignIn();
        if (pending === attempt) await continueSignIn(signedIn);
        return;
      } catch {
        // Confirmed all the same: the user signs in as usual.
        if (pending !== attempt) return;
        pending = null;
      }
    }
    go('signin');
    notice('signin', t('notice.confirmed'));
  });
  $('[data-resend]').addEventListener('click', async () => {
    const form = $('[data-form="confirm"]');
    const input = $('#confirm-username');
    const username = input.value.trim();
    if (!username) {
      showError(form, new PagesError(missingText(input), input));
      return;
    }
    await busy(form, async () => {
      showError(form, null);
      try {
        notice('confirm', deliveryText(await auth.resendSignUpCode({ username }), 'newCode'), { tone: 'info' });
        $('#confirm-code').value = '';
        $('#confirm-code').focus();
      } catch (error) {
        showError(form, error, 'confirm');
      }
    });
  });

  onSubmit('forgot', async ({ username }) => {
    username = username.trim();
    const output = await auth.forgotPassword({ username });
    rememberUsername(username, 'reset-username');
    go('reset');
    notice('reset', deliveryText(output.nextStep.codeDeliveryDetails, 'resetCode'), { tone: 'info' });
  });
  onSubmit('reset', async ({ username, code, password }) => {
    await auth.confirmForgotPassword({ username: username.trim(), confirmationCode: code.trim(), newPassword: password });
    $('#reset-code').value = '';
    $('#reset-password').value = '';
    go('signin');
    notice('signin', t('notice.passwordReset'));
  });
}

function deliveryText(details, what) {
  const where = details?.destination;
  const medium = details?.deliveryMedium === 'SMS' ? 'sms' : details?.deliveryMedium === 'EMAIL' ? 'email' : 'other';
  return where ? t(`sent.${what}.${medium}`, { where }) : t(`sent.${what}.somewhere`);
}

// ---------------------------------------------------------------------------------------------
// The signed-in page.

async function refreshAccount() {
  const section = view('account');
  let user;
  try {
    await auth.getSession();
    user = await auth.getUser();
  } catch (error) {
    if (error?.code === 'NotSignedIn') {
      clearAccount();
      go('signin');
      return;
    }
    if (!(await sessionEnded(error))) showError(section, error, 'account', { focus: false });
    return;
  }
  const target = redirectTarget(config);
  $('[data-continue]', section).hidden = !target;
  if (target) $('[data-continue-link]', section).href = target;

  // The name the user signs in with: where email or phone is the username, the service's username
  // is an opaque id, shown nowhere.
  const attrs = config.rules.usernameAttributes;
  setSignInName(
    (attrs.includes('email') && user.attributes.email) || (attrs.includes('phone_number') && user.attributes.phone_number) || (attrs.length ? signInName : user.username) || user.username,
  );

  const listEl = $('[data-attributes]', section);
  listEl.replaceChildren();
  const shown = Object.entries(user.attributes).filter(([name]) => name !== 'sub');
  const rows = attrs.length ? shown : [['username', user.username], ...shown];
  for (const [name, value] of rows) {
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    const text = attributeText(name, value);
    if (text === null) continue;
    dt.textContent = name === 'username' ? t('field.username.username') : attributeLabel(name);
    dd.textContent = text;
    listEl.append(dt, dd);
  }

  const totpOn = user.enabledMfa.includes('TOTP');
  $('[data-mfa-status]', section).textContent = totpOn
    ? t(user.preferredMfa === 'TOTP' ? 'mfa.status.totpPreferred' : 'mfa.status.totp')
    : user.enabledMfa.length
      ? t('mfa.status.on', { types: list(user.enabledMfa.map((type) => (MFA_NAMES[type] ? t(MFA_NAMES[type]) : type))) })
      : t('mfa.status.off');
  $('[data-totp-start]', section).hidden = totpOn || !config.rules.totp;
  $('[data-totp-off]', section).hidden = !totpOn || config.rules.mfa === 'ON';

  await Promise.all([refreshDevices(), refreshSignInFactors()]);
}

/** Whether the pages offer anything besides the password: then the account page asks which factors the user has. */
const passwordless = () => {
  const f = config.features;
  return f.passkey || f.emailCode || f.smsCode || f.choice || !f.signUpPassword || f.passkeys;
};

/**
 * The passkeys part (config "passkeys": true), and the change-password form only for a user who
 * has a password (one who signed up without it has none to change).
 */
async function refreshSignInFactors() {
  for (const el of $$('[data-passkeys-section]')) el.hidden = !config.features.passkeys;
  let factors = null;
  if (passwordless()) factors = await auth.getUserAuthFactors().catch(() => null);
  const hasPassword = !factors || factors.configuredUserAuthFactors.includes('PASSWORD');
  for (const el of $$('[data-password-section]')) el.hidden = !hasPassword;
  if (config.features.passkeys) await refreshPasskeys();
}

async function refreshPasskeys() {
  const listEl = $('[data-passkeys]');
  const part = $('[data-part="passkeys"]');
  const passkeys = [];
  try {
    let nextToken;
    // A page at a time; a user has a handful (the service allows 20).
    for (let pages = 0; pages < 10; pages++) {
      const page = await auth.listWebAuthnCredentials(nextToken ? { nextToken } : {});
      passkeys.push(...page.credentials);
      nextToken = page.nextToken;
      if (!nextToken) break;
    }
  } catch (error) {
    if (!(await sessionEnded(error))) listEl.replaceChildren(Object.assign(document.createElement('li'), { textContent: describeError(error) }));
    return;
  }
  if (!passkeys.length) {
    listEl.replaceChildren(Object.assign(document.createElement('li'), { textContent: t('passkeys.none') }));
    return;
  }
  listEl.replaceChildren(
    ...passkeys.map((passkey) => {
      const name = passkey.friendlyCredentialName || t('passkeys.unnamed');
      const added = passkey.createdAt ? t('passkeys.added', { when: passkey.createdAt.toLocaleDateString(currentLanguage(), { dateStyle: 'medium' }) }) : '';
      return removableItem(part, {
        name,
        meta: added,
        button: t('button.delete'),
        label: t('button.deletePasskey', { name: added ? `${name}, ${added}` : name }),
        confirm: { title: t('confirm.passkeyDelete.title', { name }), text: t('confirm.passkeyDelete.text'), yes: t('confirm.passkeyDelete.yes') },
        remove: async () => {
          await auth.deleteWebAuthnCredential({ credentialId: passkey.credentialId });
          await refreshSignInFactors();
          notice(part, t('notice.passkeyDeleted', { name }), { focus: true });
        },
      });
    }),
  );
}

/** A list item with a name, details and a button that removes it after the user confirms: a
 * passkey or a device on the account page. */
function removableItem(part, { name, meta, button: label, label: ariaLabel, confirm, remove }) {
  const item = document.createElement('li');
  item.innerHTML = '<span class="device-name"></span> <span class="device-meta"></span> <button type="button" class="secondary small"></button>';
  $('.device-name', item).textContent = name;
  $('.device-meta', item).textContent = meta;
  const button = $('button', item);
  button.textContent = label;
  button.setAttribute('aria-label', ariaLabel);
  button.addEventListener('click', async () => {
    if (!(await confirmRisk(confirm))) {
      button.focus();
      return;
    }
    await busy(part, async () => {
      showError(part, null);
      try {
        await remove();
      } catch (error) {
        if (!(await sessionEnded(error))) showError(part, error);
      }
    });
  });
  return item;
}

async function refreshDevices() {
  const listEl = $('[data-devices]');
  const part = $('[data-part="devices"]');
  let devices;
  let current = null;
  try {
    devices = await auth.listDevices();
    current = await auth.getDevice().then((d) => d.id).catch(() => null);
  } catch (error) {
    listEl.replaceChildren(Object.assign(document.createElement('li'), { textContent: describeError(error) }));
    return;
  }
  if (!devices.length) {
    listEl.replaceChildren(Object.assign(document.createElement('li'), { textContent: t('devices.none') }));
    return;
  }
  listEl.replaceChildren(
    ...devices.map((device) => {
      const name = device.name ?? device.attributes.device_name ?? t('devices.unnamed');
      const remembered = device.attributes['dev:device_remembered_status'];
      const seen = device.lastAuthenticatedDate ? t('devices.lastSignIn', { when: device.lastAuthenticatedDate.toLocaleString(currentLanguage()) }) : '';
      const shownName = device.id === current ? t('devices.thisDevice', { name }) : name;
      return removableItem(part, {
        name: shownName,
        meta: [remembered === 'remembered' ? t('devices.remembered') : remembered === 'not_remembered' ? t('devices.notRemembered') : '', seen].filter(Boolean).join(', '),
        button: t('button.forget'),
        label: t('button.forgetDevice', { name: seen ? `${shownName}, ${seen}` : shownName }),
        confirm: {
          title: t('confirm.forget.title', { name }),
          // A device that is not remembered asks for every step already: forgetting it only takes it off the list.
          text: t(remembered === 'not_remembered' ? 'confirm.forget.textNotRemembered' : device.id === current ? 'confirm.forget.textThis' : 'confirm.forget.text'),
          yes: t('confirm.forget.yes'),
        },
        remove: async () => {
          await auth.forgetDevice({ deviceKey: device.id });
          await refreshDevices();
          notice(part, t('notice.deviceForgotten', { name }), { focus: true });
        },
      });
    }),
  );
}

/** Marks (or unmarks, with null) a sign-out that leaves for the domain's /logout. */
function rememberSignOut(global) {
  try {
    if (global === null) sessionStorage.removeItem(SIGNED_OUT);
    else sessionStorage.setItem(SIGNED_OUT, global ? 'global' : 'local');
  } catch {
    // Without session storage the notice is not shown on return; the sign-out happens all the same.
  }
}

/** The sign-out notice, when these pages load back from the domain's /logout. */
function signedOutOnReturn() {
  try {
    const kind = sessionStorage.getItem(SIGNED_OUT);
    sessionStorage.removeItem(SIGNED_OUT);
    return kind;
  } catch {
    return null;
  }
}

/** Forgets what the account page showed, so the next user of this tab never sees it. */
function clearAccount() {
  const section = view('account');
  for (const el of $$('[data-attributes], [data-devices], [data-passkeys]', section)) el.replaceChildren();
  $('[data-mfa-status]', section).textContent = '';
  setSignInName('');
}

function setUpAccount() {
  const form = $('[data-form="change-password"]');
  onSubmit(
    'change-password',
    async ({ old, password }) => {
      await auth.changePassword({ oldPassword: old, newPassword: password });
      $('#change-old').value = '';
      $('#change-new').value = '';
      $('#change-new').dispatchEvent(new Event('input'));
      notice(form, t('notice.passwordChanged'), { focus: true });
    },
    'account',
  );
  const signOut = (global) => (event) =>
    busy(event.target.parentElement, async () => {
      showError(view('account'), null);
      try {
        // With a domain configured, the sign-out goes through its /logout as well: the domain keeps
        // its own session (a cookie), which would sign the next user of this browser in at once.
        if (config.oauth?.domain) {
          rememberSignOut(global);
          forgetUsername();
          await auth.signOut({ global, redirect: true });
          return;
        }
        await auth.signOut({ global });
      } catch (error) {
        rememberSignOut(null);
        // Only a global sign-out reports failures, and then the session is kept for a retry:
        // say so, rather than pretend this tab is signed out.
        if (!(await sessionEnded(error))) showError(view('account'), t('error.stillSignedIn', { reason: describeError(error) }));
        return;
      }
      clearAccount();
      forgetUsername();
      go('signin');
      notice('signin', t(global ? 'notice.signedOutEverywhere' : 'notice.signedOut'), { tone: 'info' });
    });
  const passkeys = $('[data-part="passkeys"]');
  $('[data-passkey-add]').addEventListener('click', () =>
    busy(passkeys, async () => {
      showError(passkeys, null);
      try {
        await auth.associateWebAuthnCredential();
      } catch (error) {
        if (!(await sessionEnded(error))) showError(passkeys, error, 'passkey-add');
        return;
      }
      await refreshSignInFactors();
      notice(passkeys, t('notice.passkeyAdded'), { focus: true });
    }),
  );
  $('[data-signout]').addEventListener('click', signOut(false));
  $('[data-signout-global]').addEventListener('click', signOut(true));
}

// ---------------------------------------------------------------------------------------------
// The demo outbox: what the local user pool "sent" (the emulator's test hook). Demo mode only.

const OUTBOX_KINDS = ['SIGN_UP', 'RESEND', 'FORGOT_PASSWORD', 'SMS_MFA', 'SMS_OTP', 'EMAIL_OTP', 'VERIFY_ATTRIBUTE', 'INVITATION'];

function setUpOutbox() {
  if (!config.demo?.outbox || !config.endpoint) return;
  const panel = $('[data-outbox]');
  panel.hidden = false;
  const listEl = $('[data-outbox-list]');
  const url = new URL('_emulator/outbox', config.endpoint);
  url.searchParams.set('poolId', config.userPoolId);
  let timer = null;
  let shown = '';
  const load = async () => {
    try {
      const reply = await fetch(url, { cache: 'no-store' });
      const messages = await reply.json();
      // Rebuilt only when something new arrived: the list is a live region.
      const seen = JSON.stringify(messages.slice(0, 10));
      if (seen === shown) return;
      shown = seen;
      listEl.replaceChildren(
        ...messages.slice(0, 10).map((m) => {
          const item = document.createElement('li');
          item.innerHTML = '<span class="kind"></span> → <span class="to"></span>: <strong class="code"></strong>';
          $('.kind', item).textContent = OUTBOX_KINDS.includes(m.kind) ? t(`outbox.kind.${m.kind}`) : m.kind;
          $('.to', item).textContent = m.destination;
          $('.code', item).textContent = m.code;
          return item;
        }),
      );
      if (!messages.length) listEl.replaceChildren(Object.assign(document.createElement('li'), { textContent: t('outbox.empty') }));
    } catch {
      shown = '';
      listEl.replaceChildren(Object.assign(document.createElement('li'), { textContent: t('outbox.unreachable') }));
    }
  };
  $('details', panel).addEventListener('toggle', (event) => {
    clearInterval(timer);
    if (event.target.open) {
      load();
      timer = setInterval(load, 2000);
    }
  });
  $('[data-outbox-refresh]').addEventListener('click', load);
}

// ---------------------------------------------------------------------------------------------

const onShow = {
  account: () => refreshAccount(),
  signin: () => {
    pending = null;
  },
};

async function main() {
  try {
    config = await loadConfig();
    await applyLanguage(config);
    auth = createAuth(config);
  } catch {
    // Without a configuration the browser's language still chooses the words.
    await applyLanguage({}).catch(() => {});
    $('[data-loading]').hidden = true;
    $('[data-fatal-detail]').textContent = t('fatal.config');
    $('[data-fatal]').hidden = false;
    return;
  }
  brandName = applyBranding(config);
  setUpUsernameFields();
  setUpPasswordHints();
  setUpPasswordToggles();
  // A pool where only administrators create users: no way to sign up is offered.
  for (const link of $$('a[href="#signup"]')) link.hidden = !config.features.signUp;
  setUpSignIn();
  setUpTotp();
  setUpAccountRecovery();
  setUpAccount();
  setUpOutbox();
  try {
    const username = sessionStorage.getItem(REMEMBERED_USERNAME);
    if (username) {
      rememberUsername(username);
      setSignInName(username);
    }
  } catch {
    // No session storage: nothing to prefill.
  }
  $('[data-loading]').hidden = true;
  window.addEventListener('hashchange', route);
  // The package warms the SRP code at idle itself (pkg-template/index.js).
  // The skip link moves focus to the view's heading without touching the hash (the router's).
  $('.skip').addEventListener('click', (event) => {
    event.preventDefault();
    $('h1', view(current ?? 'signin'))?.focus();
  });
  // Back from the pool's domain: the sign-in is finished here (or its error shown).
  if (config.oauth?.domain && (await finishRedirect())) return;
  // Back from the domain's /logout (redirectSignOut has no hash); another page asked for wins.
  const signedOut = signedOutOnReturn();
  if (signedOut && (!location.hash || location.hash === '#signin')) {
    show('signin', { focus: false });
    notice('signin', t(signedOut === 'global' ? 'notice.signedOutEverywhere' : 'notice.signedOut'), { tone: 'info' });
    return;
  }
  // Already signed in: straight to the account page (or the app), unless another page was asked for.
  if (!location.hash || location.hash === '#signin') {
    const signedIn = await auth.getSession().then(() => true, () => false);
    if (signedIn) {
      const target = redirectTarget(config);
      if (target && new URLSearchParams(location.search).has('redirect_uri')) {
        location.assign(target);
        return;
      }
      show('account', { focus: false });
      return;
    }
  }
  route();
  document.documentElement.dataset.ready = 'true';
}

main().finally(() => {
  document.documentElement.dataset.ready = 'true';
});
