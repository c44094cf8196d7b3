// The hosted-UI replacement pages: one document, one view per step (chosen by the URL's hash), all
// built on the cognito-kit package. Nothing here logs, and no code or token is put in a URL.
import { CognitoError, SrpClient } from './cognito-kit/index.js';
import { applyBranding, createAuth, loadConfig, redirectTarget } from './config.js';
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
const SIGN_IN_STEPS = ['mfa', 'select-mfa', 'totp-setup', 'new-password', 'custom'];
// Views that open on their heading (instructions or many forms) rather than their first field.
const HEADING_FIRST = ['account', 'totp-setup'];
// The username typed last (not secret), so confirm/reset can be prefilled after a reload.
const REMEMBERED_USERNAME = 'cognito-kit-pages.username';

// ---------------------------------------------------------------------------------------------
// Errors: every failure is shown in words, chosen by its typed code.

function describeError(error, context) {
  const code = error instanceof CognitoError ? error.code : error?.code;
  const message = String(error?.message ?? '');
  switch (code) {
    case 'NotAuthorizedException':
      if (/attempts exceeded/i.test(message)) return 'Too many failed attempts. Wait a while and try again.';
      if (/session/i.test(message)) return 'This step took too long. Please start again.';
      if (context === 'signin') return 'Incorrect username or password.';
      if (context === 'change-password' && /incorrect/i.test(message)) return 'Your current password is not right.';
      if (/token/i.test(message)) return 'Your session has ended. Please sign in again.';
      return message || 'You are not allowed to do that.';
    case 'UserNotFoundException':
      return context === 'signin' ? 'Incorrect username or password.' : 'We could not find an account with that username.';
    case 'CodeMismatchException':
      return 'That code is not right. Check it and try again.';
    case 'ExpiredCodeException':
      return 'That code has expired or was already used. Ask for a new one.';
    case 'EnableSoftwareTokenMFAException':
      return 'That code is not right. Check the time on your phone and try the newest code.';
    case 'InvalidPasswordException':
      return `Choose a different password. ${message}`.trim();
    case 'PasswordHistoryPolicyViolationException':
      return 'You used this password recently. Choose a different one.';
    case 'UsernameExistsException':
    case 'AliasExistsException':
      return 'An account with this username already exists. Sign in or reset your password.';
    case 'LimitExceededException':
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
      return 'Too many attempts. Wait a while and try again.';
    case 'CodeDeliveryFailureException':
      return 'We could not send the code. Check the address and try again.';
    case 'InvalidParameterException':
      return message || 'Some of the details are not valid.';
    case 'UserLambdaValidationException':
    case 'UnexpectedLambdaException':
      return message || 'The account could not be created.';
    case 'NetworkError':
      return 'Cannot reach the sign-in service. Check your connection and try again.';
    case 'TimeoutError':
      return 'The sign-in service took too long to answer. Try again.';
    case 'NotJsonReply':
    case 'InvalidJson':
    case 'UnexpectedResponse':
      return 'The sign-in service gave an unexpected answer. Try again in a moment.';
    case 'NotSignedIn':
      return 'You are signed out. Please sign in again.';
    case 'InvalidState':
      return 'This step is no longer in progress. Please start again.';
    case 'InvalidArgument':
      return message || 'Some of the details are missing.';
    case 'InternalErrorException':
      return 'The sign-in service had a problem. Try again in a moment.';
    default:
      return message || 'Something went wrong. Try again.';
  }
}

function showError(root, error, context) {
  const box = $('[data-error]', root);
  box.textContent = error ? (typeof error === 'string' ? error : describeError(error, context)) : '';
}

function notice(name, text) {
  const box = $('[data-notice]', view(name));
  if (box) box.textContent = text ?? '';
}

// ---------------------------------------------------------------------------------------------
// Views and routing.

function show(name, { focus = true } = {}) {
  if (SIGN_IN_STEPS.includes(name) && !(pending && pending.allowed.includes(name))) name = 'signin';
  current = name;
  for (const section of $$('[data-view]')) {
    section.hidden = section.dataset.view !== name;
    if (section.hidden) leave(section);
  }
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  document.title = `${$('h1', view(name)).textContent} · ${brandName}`;
  if (focus) {
    const first = HEADING_FIRST.includes(name) ? null : $('input:not([type=hidden]):not([disabled])', view(name));
    (first && !first.value ? first : $('h1', view(name))).focus();
  }
  onShow[name]?.();
}

/** A view left behind keeps no message, password, code or TOTP secret. */
function leave(section) {
  showError(section, null);
  notice(section.dataset.view, '');
  for (const input of $$('input[type=password], input[autocomplete=one-time-code], #custom-answer', section)) input.value = '';
  for (const input of $$('input[type=password]', section)) input.dispatchEvent(new Event('input'));
  if (section.dataset.view === 'totp-setup') {
    $('[data-qr]').replaceChildren();
    $('[data-totp-secret]').textContent = '';
    delete $('[data-totp-secret]').dataset.secret;
  }
}

/** The browser moved through history (or a link changed the hash). Unknown hashes change nothing. */
function route() {
  const name = location.hash.slice(1) || 'signin';
  if (view(name)) show(name);
  else if (current) history.replaceState(null, '', `#${current}`);
  else show('signin');
}

/** Shows a view now, as a new history entry, so that messages set next land on a visible view. */
function go(name) {
  if (location.hash !== `#${name}`) history.pushState(null, '', `#${name}`);
  show(name);
}

/** Runs a form's action with its button disabled and its error box cleared; shows failures. */
function onSubmit(name, action, context = name) {
  const form = $(`[data-form="${name}"]`);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const missing = $$('input[required]', form).find((input) => !input.value.trim() && !input.closest('[hidden]'));
    if (missing) {
      showError(form, `Enter your ${labelOf(missing).toLowerCase()}.`);
      missing.focus();
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
    $('[data-error]', form).scrollIntoView?.({ block: 'nearest' });
  });
}

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

/**
 * After a failure on a signed-in page: when the session is over (revoked elsewhere, expired refresh
 * token), drop the stored tokens and send the user to sign in. Returns whether it did.
 */
async function sessionEnded(error) {
  const code = error?.code;
  const over = code === 'NotSignedIn' || (code === 'NotAuthorizedException' && /token|session/i.test(String(error.message)));
  if (!over) return false;
  await auth.signOut().catch(() => {});
  clearAccount();
  go('signin');
  notice('signin', 'Your session has ended. Please sign in again.');
  return true;
}

// ---------------------------------------------------------------------------------------------
// Password policy hints, live as the user types.

function setUpPasswordHints() {
  const rules = passwordRules(config.rules.passwordPolicy);
  for (const list of $$('[data-rules-for]')) {
    const input = document.getElementById(list.dataset.rulesFor);
    list.replaceChildren(
      ...rules.map(([text]) => {
        const item = document.createElement('li');
        item.innerHTML = '<span class="mark" aria-hidden="true"></span><span class="text"></span><span class="sr-only"></span>';
        $('.text', item).textContent = text;
        return item;
      }),
    );
    const update = () => {
      rules.forEach(([, test], i) => {
        const item = list.children[i];
        const met = test(input.value);
        item.classList.toggle('met', met);
        $('.mark', item).textContent = met ? '✓' : '•';
        $('.sr-only', item).textContent = met ? ' (done)' : ' (not yet)';
      });
    };
    input.addEventListener('input', update);
    update();
  }
}

// ---------------------------------------------------------------------------------------------
// Username and required attributes, from the pool's rules.

const ATTRIBUTE_LABELS = {
  email: ['Email', 'email', 'email'],
  phone_number: ['Phone number (+ and country code)', 'tel', 'tel'],
  name: ['Full name', 'text', 'name'],
  given_name: ['First name', 'text', 'given-name'],
  family_name: ['Last name', 'text', 'family-name'],
  middle_name: ['Middle name', 'text', 'additional-name'],
  nickname: ['Nickname', 'text', 'nickname'],
  preferred_username: ['Preferred username', 'text', 'username'],
  birthdate: ['Date of birth (YYYY-MM-DD)', 'text', 'bday'],
  address: ['Address', 'text', 'street-address'],
  gender: ['Gender', 'text', 'sex'],
  locale: ['Locale', 'text', 'language'],
  zoneinfo: ['Time zone', 'text', 'off'],
  website: ['Website', 'url', 'url'],
  email_verified: ['Email verified'],
  phone_number_verified: ['Phone number verified'],
  profile: ['Profile page', 'url', 'url'],
  picture: ['Picture URL', 'url', 'photo'],
};

function attributeField(name, prefix, { optionalNote = '' } = {}) {
  const [label, type, autocomplete] = ATTRIBUTE_LABELS[name] ?? [name.replace(/^custom:/, '').replace(/_/g, ' '), 'text', 'off'];
  const id = `${prefix}-attr-${name.replace(/[^a-z0-9_-]/gi, '-')}`;
  const wrap = document.createElement('div');
  wrap.innerHTML = '<label></label><input required>';
  const [labelEl, input] = wrap.children;
  labelEl.htmlFor = id;
  labelEl.textContent = label[0].toUpperCase() + label.slice(1) + optionalNote;
  Object.assign(input, { id, name: `attr:${name}`, type, autocomplete, required: !optionalNote });
  return wrap;
}

function setUpUsernameFields() {
  const attrs = config.rules.usernameAttributes;
  const label = attrs.length === 1 && attrs[0] === 'email' ? 'Email' : attrs.length === 1 ? 'Phone number' : attrs.length ? 'Email or phone number' : 'Username';
  for (const el of $$('[data-username-label]')) el.textContent = label;
  if (attrs.length === 1 && attrs[0] === 'email') for (const input of $$('input[name=username]')) input.type = 'email';
  // With email and phone both accepted as usernames, a required one of them is asked for only when
  // the username is not already it.
  const other = { email: ' (if your username is a phone number)', phone_number: ' (if your username is an email)' };
  $('[data-required-attributes]').replaceChildren(
    ...config.rules.requiredAttributes.map((name) =>
      attributeField(name, 'signup', { optionalNote: attrs.includes(name) ? (other[name] ?? '') : '' }),
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
        ? 'Enter the code from your authenticator app.'
        : `We sent a code${where ? ` to ${where}` : ''}. Enter it below.`;
      $('#mfa-code').value = '';
      return enterStep('mfa');
    }
    case 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION': {
      const names = { TOTP: 'Authenticator app', SMS: 'Text message (SMS)', EMAIL: 'Email' };
      $('[data-mfa-choices]').replaceChildren(
        ...step.allowedMFATypes.map((type, i) => {
          const label = document.createElement('label');
          label.className = 'check';
          label.innerHTML = '<input type="radio" name="mfaType">';
          label.firstChild.value = type;
          label.firstChild.checked = i === 0;
          label.append(` ${names[type] ?? type}`);
          return label;
        }),
      );
      return enterStep('select-mfa');
    }
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
      for (const [key, value] of Object.entries(step.additionalInfo ?? {})) {
        const dt = document.createElement('dt');
        const dd = document.createElement('dd');
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
      notice('confirm', 'Your account is not confirmed yet. Enter the code we sent you, or ask for a new one.');
      return;
    case 'RESET_PASSWORD':
      pending = null;
      rememberUsername($('#signin-username').value.trim(), 'forgot-username');
      go('forgot');
      return;
    default:
      throw new Error('This sign-in needs a step these pages do not support yet.');
  }
}

function enterStep(name) {
  pending.allowed = [name];
  go(name);
}

/**
 * Sends an answer to the current sign-in step. If the user started over (or went elsewhere) while
 * it was in flight, the reply is ignored.
 */
async function answer(input) {
  const attempt = pending;
  if (!attempt) throw Object.assign(new Error('This sign-in is no longer in progress. Please start again.'), { code: 'InvalidState' });
  const output = await auth.confirmSignIn(input);
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
  const remember = $('[data-remember]');
  remember.hidden = config.rules.described && !config.rules.deviceTracking?.askUser;

  onSubmit(
    'signin',
    async ({ username, password, remember: rememberBox }) => {
      username = username.trim();
      rememberUsername(username);
      const attempt = { allowed: [], remember: rememberBox === 'on' };
      pending = attempt;
      try {
        const output = await auth.signIn({ username, password });
        if (pending === attempt) await continueSignIn(output);
      } catch (error) {
        if (pending !== attempt) return;
        pending = null;
        if (error?.code === 'UserNotConfirmedException') {
          rememberUsername(username, 'confirm-username');
          go('confirm');
          notice('confirm', 'Confirm your account first: enter the code we sent you, or ask for a new one.');
          return;
        }
        if (error?.code === 'PasswordResetRequiredException') {
          rememberUsername(username, 'forgot-username');
          go('forgot');
          showError(view('forgot'), 'You need to reset your password before signing in.');
          return;
        }
        throw error;
      } finally {
        $('#signin-password').value = '';
      }
    },
  );
  onSubmit('mfa', ({ code }) => answer({ challengeResponse: code.trim() }), 'code');
  onSubmit('select-mfa', ({ mfaType }) => answer({ challengeResponse: mfaType }));
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
// TOTP setup (shared by the MFA_SETUP challenge and the account page).

function showTotpSetup(details) {
  const box = $('[data-qr]');
  try {
    box.innerHTML = qrSvg(details.setupUri, { label: 'QR code to add this account to an authenticator app' });
  } catch {
    box.textContent = 'This key is too long for a QR code: enter it by hand.';
  }
  // Groups of four, as authenticator apps show them; the app ignores the spaces.
  $('[data-totp-secret]').textContent = details.sharedSecret.replace(/(.{4})(?=.)/g, '$1 ');
  $('[data-totp-secret]').dataset.secret = details.sharedSecret;
  $('#totp-code').value = '';
}

function setUpTotp() {
  $('[data-copy-secret]').addEventListener('click', async (event) => {
    try {
      await navigator.clipboard.writeText($('[data-totp-secret]').dataset.secret);
      event.target.textContent = 'Copied';
    } catch {
      event.target.textContent = 'Select the key to copy it';
    }
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
      go('account');
      notice('account', 'The authenticator app is on. You will be asked for a code when you sign in.');
    },
    'account',
  );
  $('[data-totp-start]').addEventListener('click', (event) =>
    busy(event.target.parentElement, async () => {
      showError(view('account'), null);
      try {
        const details = await auth.setUpTotp({ issuer: brandName });
        totpOrigin = 'account';
        pending = { allowed: ['totp-setup'] };
        showTotpSetup(details);
        go('totp-setup');
      } catch (error) {
        if (!(await sessionEnded(error))) showError(view('account'), error);
      }
    }),
  );
  $('[data-totp-off]').addEventListener('click', (event) =>
    busy(event.target.parentElement, async () => {
      try {
        await auth.setMfaPreference({ totp: 'DISABLED' });
        notice('account', 'The authenticator app is off.');
        await refreshAccount();
      } catch (error) {
        if (!(await sessionEnded(error))) showError(view('account'), error);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Sign-up, confirmation, password reset.

function setUpAccountRecovery() {
  onSubmit('signup', async (values) => {
    const username = values.username.trim();
    const attributes = attributesFrom(values);
    for (const name of config.rules.usernameAttributes) if (usernameIs(name, username)) attributes[name] = username;
    const missing = config.rules.requiredAttributes.find((name) => !attributes[name]);
    if (missing) {
      const input = document.getElementById(`signup-attr-${missing.replace(/[^a-z0-9_-]/gi, '-')}`);
      input?.focus();
      throw new Error(`Enter your ${(input ? labelOf(input) : missing).replace(/ \(.*\)$/, '').toLowerCase()} as well: this service needs it.`);
    }
    const output = await auth.signUp({ username, password: values.password, userAttributes: attributes });
    rememberUsername(username, 'confirm-username', 'signin-username');
    $('#signup-password').value = '';
    if (output.nextStep.signUpStep === 'DONE') {
      go('signin');
      notice('signin', 'Your account is ready. Sign in.');
      return;
    }
    go('confirm');
    notice('confirm', deliveryText(output.nextStep.codeDeliveryDetails, 'a confirmation code'));
  });

  onSubmit('confirm', async ({ username, code }) => {
    await auth.confirmSignUp({ username: username.trim(), confirmationCode: code.trim() });
    $('#confirm-code').value = '';
    go('signin');
    notice('signin', 'Your account is confirmed. Sign in.');
  });
  $('[data-resend]').addEventListener('click', async () => {
    const form = $('[data-form="confirm"]');
    const username = $('#confirm-username').value.trim();
    if (!username) {
      showError(form, `Enter your ${labelOf($('#confirm-username')).toLowerCase()}.`);
      $('#confirm-username').focus();
      return;
    }
    await busy(form, async () => {
      showError(form, null);
      try {
        notice('confirm', deliveryText(await auth.resendSignUpCode({ username }), 'a new code'));
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
    notice('reset', deliveryText(output.nextStep.codeDeliveryDetails, 'a code'));
  }, 'forgot');
  onSubmit('reset', async ({ username, code, password }) => {
    await auth.confirmForgotPassword({ username: username.trim(), confirmationCode: code.trim(), newPassword: password });
    $('#reset-code').value = '';
    $('#reset-password').value = '';
    go('signin');
    notice('signin', 'Your password is changed. Sign in with the new one.');
  });
}

function deliveryText(details, what) {
  const where = details?.destination;
  const how = details?.deliveryMedium === 'SMS' ? 'by text message' : details?.deliveryMedium === 'EMAIL' ? 'by email' : '';
  return `We sent ${what}${where ? ` to ${where}` : ''}${how ? ` ${how}` : ''}. Enter it below.`;
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
    if (!(await sessionEnded(error))) showError(section, error);
    return;
  }
  const target = redirectTarget(config);
  $('[data-continue]', section).hidden = !target;
  if (target) $('[data-continue-link]', section).href = target;

  const list = $('[data-attributes]', section);
  list.replaceChildren();
  const shown = Object.entries(user.attributes).filter(([name]) => name !== 'sub');
  // Where email or phone is the username, the service's username is an opaque id: not shown.
  const rows = config.rules.usernameAttributes.length ? shown : [['Username', user.username], ...shown];
  for (const [name, value] of rows) {
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    dt.textContent = ATTRIBUTE_LABELS[name]?.[0] ?? name;
    dd.textContent = name.endsWith('_verified') ? (value === 'true' ? 'Yes' : 'No') : value;
    list.append(dt, dd);
  }

  const totpOn = user.enabledMfa.includes('TOTP');
  $('[data-mfa-status]', section).textContent = totpOn
    ? `On: a code from your authenticator app${user.preferredMfa === 'TOTP' ? ' (preferred)' : ''}.`
    : user.enabledMfa.length
      ? `On: ${user.enabledMfa.join(', ')}.`
      : 'Off.';
  $('[data-totp-start]', section).hidden = totpOn || !config.rules.totp;
  $('[data-totp-off]', section).hidden = !totpOn || config.rules.mfa === 'ON';

  await refreshDevices();
}

async function refreshDevices() {
  const listEl = $('[data-devices]');
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
    listEl.replaceChildren(Object.assign(document.createElement('li'), { textContent: 'No remembered devices.' }));
    return;
  }
  listEl.replaceChildren(
    ...devices.map((device) => {
      const item = document.createElement('li');
      const name = device.name ?? device.attributes.device_name ?? 'Unnamed device';
      const remembered = device.attributes['dev:device_remembered_status'];
      const seen = device.lastAuthenticatedDate ? `last sign-in ${device.lastAuthenticatedDate.toLocaleString()}` : '';
      item.innerHTML = '<span class="device-name"></span> <span class="device-meta"></span> <button type="button" class="secondary small">Forget</button>';
      $('.device-name', item).textContent = name + (device.id === current ? ' (this device)' : '');
      $('.device-meta', item).textContent = [remembered === 'remembered' ? 'remembered' : remembered === 'not_remembered' ? 'not remembered' : '', seen].filter(Boolean).join(', ');
      const button = $('button', item);
      button.setAttribute('aria-label', `Forget ${$('.device-name', item).textContent}${seen ? `, ${seen}` : ''}`);
      button.addEventListener('click', () =>
        busy(item, async () => {
          try {
            await auth.forgetDevice({ deviceKey: device.id });
            notice('account', `${name} is forgotten: it will be asked for every step again.`);
            await refreshDevices();
          } catch (error) {
            if (!(await sessionEnded(error))) showError(view('account'), error);
          }
        }),
      );
      return item;
    }),
  );
}

/** Forgets what the account page showed, so the next user of this tab never sees it. */
function clearAccount() {
  const section = view('account');
  for (const el of $$('[data-attributes], [data-devices]', section)) el.replaceChildren();
  $('[data-mfa-status]', section).textContent = '';
}

function setUpAccount() {
  onSubmit(
    'change-password',
    async ({ old, password }) => {
      await auth.changePassword({ oldPassword: old, newPassword: password });
      $('#change-old').value = '';
      $('#change-new').value = '';
      $('#change-new').dispatchEvent(new Event('input'));
      notice('account', 'Your password is changed.');
    },
    'account',
  );
  const signOut = (global) => (event) =>
    busy(event.target.parentElement, async () => {
      showError(view('account'), null);
      try {
        await auth.signOut({ global });
      } catch (error) {
        // Only a global sign-out reports failures, and then the session is kept for a retry:
        // say so, rather than pretend this tab is signed out.
        if (!(await sessionEnded(error))) {
          showError(view('account'), `You are still signed in, here and elsewhere. ${describeError(error)}`);
        }
        return;
      }
      clearAccount();
      go('signin');
      notice('signin', global ? 'You are signed out on every device.' : 'You are signed out.');
    });
  $('[data-signout]').addEventListener('click', signOut(false));
  $('[data-signout-global]').addEventListener('click', signOut(true));
}

// ---------------------------------------------------------------------------------------------
// The demo outbox: what the local user pool "sent" (the emulator's test hook). Demo mode only.

const OUTBOX_KINDS = {
  SIGN_UP: 'Sign-up code',
  FORGOT_PASSWORD: 'Password reset code',
  SMS_MFA: 'Sign-in code',
  VERIFY_ATTRIBUTE: 'Verification code',
  INVITATION: 'Invitation with a temporary password',
};

function setUpOutbox() {
  if (!config.demo?.outbox || !config.endpoint) return;
  const panel = $('[data-outbox]');
  panel.hidden = false;
  const list = $('[data-outbox-list]');
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
      list.replaceChildren(
        ...messages.slice(0, 10).map((m) => {
          const item = document.createElement('li');
          item.innerHTML = '<span class="kind"></span> to <span class="to"></span>: <strong class="code"></strong>';
          $('.kind', item).textContent = OUTBOX_KINDS[m.kind] ?? m.kind;
          $('.to', item).textContent = m.destination;
          $('.code', item).textContent = m.code;
          return item;
        }),
      );
      if (!messages.length) list.replaceChildren(Object.assign(document.createElement('li'), { textContent: 'Nothing sent yet.' }));
    } catch {
      shown = '';
      list.replaceChildren(Object.assign(document.createElement('li'), { textContent: 'The outbox is not reachable.' }));
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
    auth = createAuth(config);
  } catch (error) {
    $('[data-loading]').hidden = true;
    const fatal = $('[data-fatal]');
    fatal.textContent = `These pages are not configured: ${error.message}. See config.json.`;
    fatal.hidden = false;
    return;
  }
  brandName = applyBranding(config);
  setUpUsernameFields();
  setUpPasswordHints();
  setUpSignIn();
  setUpTotp();
  setUpAccountRecovery();
  setUpAccount();
  setUpOutbox();
  try {
    const username = sessionStorage.getItem(REMEMBERED_USERNAME);
    if (username) rememberUsername(username);
  } catch {
    // No session storage: nothing to prefill.
  }
  $('[data-loading]').hidden = true;
  window.addEventListener('hashchange', route);
  // Warm the SRP code while the user types: the first SrpClient builds the group's tables and gets
  // the wasm past its first, slow tier, so the sign-in itself does not wait for that.
  (window.requestIdleCallback ?? setTimeout)(() => {
    try {
      new SrpClient().free();
    } catch {
      // Only a warm-up: the sign-in reports any real problem.
    }
  });
  // The skip link moves focus to the view's heading without touching the hash (the router's).
  $('.skip').addEventListener('click', (event) => {
    event.preventDefault();
    $('h1', view(current ?? 'signin'))?.focus();
  });
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
