// CognitoAuth: the package's client, in JavaScript over the kit's WebAssembly SRP core (SrpClient,
// secretHash, deviceVerifier). The same protocol as the Rust client (src/client.rs, src/flow.rs,
// src/api/): the same requests, challenge answers, stored records and errors; both are proven
// against the emulator. Written in JavaScript because the Rust client behind a wasm facade weighed
// 85 KB brotli and this file with the SRP core weighs 34.8 KB (bench/architecture.sh).
//
// Errors: every rejection is a CognitoError with a stable `code` — the service's exception name, or
// the kit's own (NetworkError, TimeoutError, NotJsonReply, InvalidJson, MalformedToken,
// UnexpectedChallenge, UnexpectedResponse, InvalidArgument, InvalidState, NotSignedIn). Nothing here
// logs, and tokens go only to the storage the app chose.
import { SrpClient, deviceVerifier, secretHash, version } from './cognito_kit.js';
import { CognitoError } from './errors.js';

// Messages read as the Rust kit's: "Code: detail", "Code in field: detail" for a bad reply or token,
// "Code (HTTP status): message" for the service's own errors.
const error = (code, message, extra) =>
  Object.assign(new CognitoError(message), { name: code, code, retryable: false, ...extra });
const fail = (code, detail, extra) => error(code, `${code}: ${detail}`, extra);
const inField = (code, field, detail, extra) => error(code, `${code} in ${field}: ${detail}`, extra);
const invalid = (m) => fail('InvalidArgument', m);
const badReply = (field, m) => inField('InvalidJson', field, m);
const malformed = (field, m) => inField('MalformedToken', field, m);
const notSignedIn = () => fail('NotSignedIn', 'no user is signed in');
const has = (table, key) => typeof key === 'string' && Object.hasOwn(table, key);
const need = (input, key) => {
  const v = input?.[key];
  if (typeof v !== 'string') throw invalid(`${key} is required (a string)`);
  return v;
};
const pairs = (map, key) => {
  if (map == null) return [];
  if (typeof map !== 'object') throw invalid(`${key} must be an object of strings`);
  return Object.entries(map).filter(([, v]) => typeof v === 'string');
};
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v, field, optional) => {
  if (typeof v === 'string') return v;
  if (optional && v == null) return undefined;
  throw badReply(field, 'expected a string');
};
const strMap = (v, field) => {
  if (v == null) return {};
  if (!isObj(v) || Object.values(v).some((x) => typeof x !== 'string')) throw badReply(field, 'expected a map of strings');
  return { ...v };
};
const list = (text, field) => {
  if (text == null) return [];
  let v;
  try { v = JSON.parse(text); } catch { v = 0; }
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badReply(field, 'expected a JSON array of strings');
  return v;
};
const B64URL = /^[A-Za-z0-9_-]*$/;
/** One base64url segment of a token as a JSON object (at most 512 members, as src/tokens.rs). */
const segment = (text, field) => {
  if (!B64URL.test(text) || text.length % 4 === 1) throw malformed(field, 'not base64url');
  let value;
  try {
    const bytes = Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw malformed(field, 'not JSON');
  }
  if (!isObj(value)) throw malformed(field, 'not a JSON object');
  if (Object.keys(value).length > 512) throw malformed(field, 'more members than a token has');
  return value;
};
/** The payload of `header.payload.signature` (decoded, NOT verified). */
const claims = (jwt) => {
  const parts = typeof jwt === 'string' ? jwt.split('.') : [];
  if (parts.length !== 3 || !B64URL.test(parts[2])) throw malformed('token', 'not three base64url segments');
  segment(parts[0], 'header');
  return segment(parts[1], 'payload');
};
/** A time claim (seconds): absent is undefined, anything but a number is a MalformedToken. */
const time = (c, name) => {
  const v = c[name];
  if (v === undefined) return undefined;
  if (!Number.isFinite(v)) throw malformed(name, 'not a usable number');
  return Math.trunc(v);
};
const nowS = () => Math.floor(Date.now() / 1000);
const MAX_REPLY = 1 << 20;
/** The service's text with control characters escaped, so that it cannot forge lines in a log. */
const printable = (text) => text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
/** Frees an SrpClient's wasm memory now (its secret `a` is zeroed there); returns null. */
const forget = (srp) => {
  srp?.free();
  return null;
};
const RETRY = /^(TooManyRequestsException|ThrottlingException|InternalErrorException|LimitExceededException|ServiceUnavailable)$/;
const MFA = { SMS_MFA: 'SMS', SOFTWARE_TOKEN_MFA: 'TOTP', EMAIL_OTP: 'EMAIL' };
const MFA_BACK = { SMS: 'SMS_MFA', TOTP: 'SOFTWARE_TOKEN_MFA', EMAIL: 'EMAIL_OTP' };
/** Amplify's names for MFA methods, and back. */
const mfaName = (m) => (has(MFA, m) ? MFA[m] : m);
const mfaServiceName = (m) => (has(MFA_BACK, m) ? MFA_BACK[m] : m);
const CODE_KEY = { SMS_MFA: 'SMS_MFA_CODE', SMS_OTP: 'SMS_OTP_CODE', SOFTWARE_TOKEN_MFA: 'SOFTWARE_TOKEN_MFA_CODE', EMAIL_OTP: 'EMAIL_OTP_CODE' };
const delivery = (d, field = 'CodeDeliveryDetails') => {
  if (d == null) return undefined;
  if (!isObj(d)) throw badReply(field, 'expected an object');
  return { destination: str(d.Destination, 'Destination', true), deliveryMedium: str(d.DeliveryMedium, 'DeliveryMedium', true), attributeName: str(d.AttributeName, 'AttributeName', true) };
};
const array = (v, field) => {
  if (v == null) return [];
  if (!Array.isArray(v)) throw badReply(field, 'expected an array');
  return v;
};
const attributeMap = (v, field) =>
  Object.fromEntries(array(v, field).map((a) => [str(a?.Name, 'Name'), str(a?.Value, 'Value', true) ?? '']));
/** Percent-encodes the UTF-8 bytes of `text`, leaving `A-Z a-z 0-9 - . _ ~` (as src/client.rs). */
const uriPart = (text) =>
  [...new TextEncoder().encode(text)]
    .map((b) => (/[\w.~-]/.test(String.fromCharCode(b)) && b < 128 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
/** `otpauth://totp/{issuer}:{account}?secret=…&issuer=…`, the URI authenticator apps scan. */
const otpauth = (issuer, account, secret) =>
  `otpauth://totp/${uriPart(issuer)}:${uriPart(account)}?secret=${secret}&issuer=${uriPart(issuer)}`;
const FLOWS = { USER_SRP_AUTH: 1, USER_PASSWORD_AUTH: 1, CUSTOM_WITH_SRP: 1, CUSTOM_WITHOUT_SRP: 1, CUSTOM_AUTH: 1 };
const SETTINGS = { ENABLED: 1, DISABLED: 1, PREFERRED: 1, NOT_PREFERRED: 1 };
const EVENTS = { signedIn: 1, signedOut: 1, tokenRefresh: 1, tokenRefreshFailure: 1 };
const setting = (v, key) => {
  if (v == null) return undefined;
  if (!has(SETTINGS, v)) throw invalid(`unknown MFA setting ${JSON.stringify(v)} for ${key}`);
  return { Enabled: v !== 'DISABLED', PreferredMfa: v === 'PREFERRED' };
};

/** The app's storage behind one async interface whose failures are CognitoErrors (InvalidState). */
function store(s) {
  const call = async (method, ...args) => {
    try {
      return await s[method](...args);
    } catch (e) {
      throw fail('InvalidState', `storage ${method}(): ${e?.message ?? 'failed'}`);
    }
  };
  return {
    get: async (key) => {
      const v = await call('getItem', key);
      return typeof v === 'string' ? v : null;
    },
    set: (key, value) => call('setItem', key, value),
    remove: (key) => call('removeItem', key),
  };
}
/** A pool id `region_name`: the region is lowercase letters, digits and `-`; the name letters and digits. */
function splitPoolId(id) {
  const m = /^([a-z0-9-]+)_([A-Za-z0-9]+)$/.exec(id);
  if (!m) throw invalid(`userPoolId ${JSON.stringify(id)} is not of the form region_name (e.g. us-east-1_AbCdEf123)`);
  return [m[1], m[2]];
}
const option = (options, key, type, fallback) =>
  typeof options[key] === type && (type !== 'number' || Number.isFinite(options[key])) ? options[key] : fallback;

function memory() {
  const m = new Map();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}
function webStorage(name) {
  try {
    const s = globalThis[name];
    s.setItem('cognito-kit.probe', '1');
    s.removeItem('cognito-kit.probe');
    return s;
  } catch {
    return memory();
  }
}

export class CognitoAuth {
  #o; #s; #endpoint; #pool; #prefix; #lock; #pending = null; #flight = null; #listeners = new Set();
  // Bumped by signIn and signOut: a sign-in step that answers after either stores nothing.
  #epoch = 0;

  /** `new CognitoAuth({ userPoolId, clientId, clientSecret?, endpoint?, storage?, refreshTokenRotation?,
   * deviceName?, timeoutMs?, refreshMarginSeconds? })`. */
  constructor(options) {
    const userPoolId = need(options, 'userPoolId'), clientId = need(options, 'clientId');
    if (!clientId) throw invalid('clientId is empty');
    const [region, pool] = splitPoolId(userPoolId);
    const storage = options.storage ?? 'local';
    const secret = option(options, 'clientSecret', 'string', '');
    this.#o = {
      clientId,
      clientSecret: secret || undefined,
      refreshTokenRotation: option(options, 'refreshTokenRotation', 'boolean', false),
      deviceName: option(options, 'deviceName', 'string', undefined),
      // setTimeout holds at most 2^31 - 1 ms.
      timeoutMs: Math.min(Math.max(0, option(options, 'timeoutMs', 'number', 30000)), 2 ** 31 - 1),
      refreshMarginSeconds: Math.trunc(option(options, 'refreshMarginSeconds', 'number', 60)),
    };
    this.#pool = pool;
    this.#endpoint = option(options, 'endpoint', 'string', `https://cognito-idp.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/`);
    this.#prefix = `cognito-kit.${userPoolId}.${clientId}.`;
    this.#lock = `cognito-kit.refresh.${userPoolId}.${clientId}`;
    const raw = storage === 'memory' ? memory() : storage === 'local' ? webStorage('localStorage')
      : storage === 'session' ? webStorage('sessionStorage') : typeof storage === 'string' ? null : storage;
    if (!raw) throw invalid(`storage must be "local", "session", "memory" or an object, not ${JSON.stringify(storage)}`);
    for (const method of ['getItem', 'setItem', 'removeItem']) {
      if (typeof raw[method] !== 'function') throw invalid(`the storage object has no ${method}()`);
    }
    this.#s = store(raw);
  }

  /** `on(event, listener)`: `signedIn | signedOut | tokenRefresh | tokenRefreshFailure`; returns an
   * unsubscribe function. */
  on(event, listener) {
    if (!has(EVENTS, event)) throw invalid(`unknown event ${JSON.stringify(event)}: signedIn, signedOut, tokenRefresh or tokenRefreshFailure`);
    if (typeof listener !== 'function') throw invalid('listener must be a function');
    const entry = [event, listener];
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }
  #emit(event, error) {
    // A listener that throws must not break the client (nor keep the others from hearing).
    for (const [e, listener] of [...this.#listeners]) {
      if (e === event) {
        try {
          listener(error);
        } catch {}
      }
    }
  }

  // ------------------------------------------------------------------ transport
  async #send(op, body) {
    const ms = this.#o.timeoutMs;
    const ctl = new AbortController();
    const timer = ms > 0 && setTimeout(() => ctl.abort(), ms);
    let res, text;
    try {
      res = await fetch(this.#endpoint, {
        method: 'POST', cache: 'no-store', credentials: 'omit', signal: ctl.signal, body: JSON.stringify(body),
        headers: {
          'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${op}`,
          'x-amz-user-agent': `cognito-kit/${version()}`, 'cache-control': 'no-store',
        },
      });
      text = await res.text();
    } catch (e) {
      throw ctl.signal.aborted ? fail('TimeoutError', `${op}: no reply within ${ms} ms`, { retryable: true })
        : fail('NetworkError', `${op}: ${e?.message ?? e}`, { retryable: true });
    } finally {
      clearTimeout(timer);
    }
    const status = res.status;
    // No reply of the service comes near 1 MiB: a bigger body is not used (its status still counts).
    if (text.length > MAX_REPLY) {
      if (res.ok) throw inField('UnexpectedResponse', 'reply body', `HTTP ${status}: more than ${MAX_REPLY} bytes`, { status });
      throw inField('NotJsonReply', 'reply body', `HTTP ${status}: over 1 MiB, not read`, { status, retryable: status >= 500 || status === 429 });
    }
    let json;
    try {
      json = JSON.parse(text.trim() || '{}');
    } catch {
      throw inField('NotJsonReply', 'reply body', `HTTP ${status} with a body that is not JSON`, { status, retryable: !res.ok && (status >= 500 || status === 429) });
    }
    if (res.ok) {
      if (isObj(json)) return json;
      throw inField('InvalidJson', 'reply body', `HTTP ${status}: not a JSON object`, { status });
    }
    const text_ = (key) => (isObj(json) && typeof json[key] === 'string' ? json[key] : undefined);
    const header = res.headers.get('x-amzn-errortype');
    const raw = (header?.trim() ? header : undefined) ?? text_('__type') ?? text_('code') ?? '';
    const code = printable(raw.slice(raw.lastIndexOf('#') + 1).split(':')[0].trim());
    if (!code) throw inField('UnexpectedResponse', 'reply body', `HTTP ${status} without an error code`, { status });
    const message = printable(text_('message') ?? text_('Message') ?? '');
    throw error(code, `${code} (HTTP ${status}): ${message}`, { status, retryable: status >= 500 || RETRY.test(code) });
  }

  /** Sends one operation; `idempotent` ones retry network failures, throttling and 5xx twice. */
  async #call(op, body, idempotent) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#send(op, body);
      } catch (e) {
        if (!idempotent || !e.retryable || attempt >= 2) throw e;
        const base = 200 << attempt;
        await new Promise((r) => setTimeout(r, base / 2 + Math.random() * base));
      }
    }
  }

  #hash(params, username) {
    if (this.#o.clientSecret) params.SECRET_HASH = secretHash(this.#o.clientSecret, username, this.#o.clientId);
    return params;
  }
  /** The body of an operation called by username (sign-up, confirmation, password reset). */
  #byName(input, extra) {
    const Username = need(input, 'username');
    const body = { ClientId: this.#o.clientId, Username, ...extra };
    if (this.#o.clientSecret) body.SecretHash = secretHash(this.#o.clientSecret, Username, this.#o.clientId);
    return body;
  }

  // ------------------------------------------------------------------ storage
  async #load(key) {
    const text = await this.#s.get(this.#prefix + key);
    // A record that does not parse (an older format, tampering) counts as absent.
    try { const v = JSON.parse(text); return isObj(v) ? v : null; } catch { return null; }
  }
  #save(key, value) {
    return this.#s.set(this.#prefix + key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  async #record() {
    const user = await this.#s.get(`${this.#prefix}lastAuthUser`);
    const r = typeof user === 'string' && (await this.#load(`${user}.tokens`));
    if (!r || typeof r.access_token !== 'string' || typeof r.id_token !== 'string' || typeof r.username !== 'string') throw notSignedIn();
    r.signed_in_as = typeof r.signed_in_as === 'string' ? r.signed_in_as : r.username;
    Object.defineProperty(r, 'key', { value: user });
    return r;
  }
  /** A device record, when it has every member (anything else counts as absent, as in Rust). */
  async #device(username) {
    const d = await this.#load(`${username}.device`);
    const ok = d && ['device_key', 'device_group_key', 'device_password'].every((k) => typeof d[k] === 'string') && typeof d.remembered === 'boolean';
    return ok ? d : null;
  }

  // ------------------------------------------------------------------ sign-in
  /** `signIn({ username, password?, authFlow? })` → `{ isSignedIn, nextStep }`. With USER_SRP_AUTH (the
   * default) the password never leaves the page. */
  async signIn(input) {
    const username = need(input, 'username');
    const flow = input.authFlow ?? 'USER_SRP_AUTH';
    if (!has(FLOWS, flow)) throw invalid(`unknown authFlow ${JSON.stringify(flow)}`);
    const custom = flow === 'CUSTOM_WITHOUT_SRP' || flow === 'CUSTOM_AUTH';
    if (!username) throw invalid('username is empty');
    if (!custom && (typeof input.password !== 'string' || !input.password)) throw invalid('password is empty');
    this.#pending = null;
    const epoch = ++this.#epoch;
    const device = await this.#device(username);
    const a = { username, password: input.password, flow: custom ? 'CUSTOM_WITHOUT_SRP' : flow, device: device?.remembered ? device : null, epoch };
    return this.#attempt(a, () => this.#start(a));
  }

  /** Runs a step of sign-in and frees its SRP objects (zeroing their secrets) however it ends. */
  async #attempt(a, step) {
    try {
      return await step();
    } finally {
      a.srp = forget(a.srp);
      a.deviceSrp = forget(a.deviceSrp);
    }
  }

  async #start(a) {
    const p = { USERNAME: a.username };
    if (a.flow === 'USER_SRP_AUTH' || a.flow === 'CUSTOM_WITH_SRP') {
      a.srp = new SrpClient();
      p.SRP_A = a.srp.srpA;
      if (a.flow === 'CUSTOM_WITH_SRP') p.CHALLENGE_NAME = 'SRP_A';
    } else if (a.flow === 'USER_PASSWORD_AUTH') p.PASSWORD = a.password;
    if (a.device) p.DEVICE_KEY = a.device.device_key;
    let reply;
    try {
      reply = await this.#call('InitiateAuth', {
        AuthFlow: a.flow.startsWith('CUSTOM') ? 'CUSTOM_AUTH' : a.flow, ClientId: this.#o.clientId, AuthParameters: this.#hash(p, a.username),
      });
    } catch (e) {
      return stepOrThrow(e);
    }
    return this.#advance(a, reply);
  }

  #respond(name, responses, session) {
    return this.#call('RespondToAuthChallenge', { ChallengeName: name, ClientId: this.#o.clientId, ChallengeResponses: responses, Session: session });
  }

  /** Follows replies until the user must act or sign-in completes; answers SRP and device challenges. */
  async #advance(a, reply) {
    // The service answers a sign-in in a handful of steps; a peer that never stops is refused.
    for (let steps = 0; ; steps++) {
      if (steps > 10) throw inField('UnexpectedChallenge', 'ChallengeName', 'more than ten challenges in one sign-in');
      if (reply.AuthenticationResult != null) {
        await this.#finish(a, reply.AuthenticationResult);
        return { isSignedIn: true, nextStep: { signInStep: 'DONE' } };
      }
      if (reply.ChallengeName == null) throw fail('UnexpectedResponse', 'ChallengeName: neither tokens nor a challenge in the reply');
      const name = str(reply.ChallengeName, 'ChallengeName');
      const params = strMap(reply.ChallengeParameters, 'ChallengeParameters');
      const session = str(reply.Session, 'Session', true);
      const user = params.USERNAME ?? a.username;
      let r;
      if (name === 'PASSWORD_VERIFIER') {
        if (!a.srp || !a.password) throw fail('InvalidState', 'PASSWORD_VERIFIER without an SRP sign-in in progress');
        r = a.srp.answerPasswordVerifier(this.#pool, a.password, params);
        if (a.device) r.DEVICE_KEY = a.device.device_key;
        a.srp = forget(a.srp);
      } else if (name === 'DEVICE_SRP_AUTH') {
        if (!a.device) throw fail('InvalidState', 'DEVICE_SRP_AUTH without a remembered device');
        forget(a.deviceSrp);
        a.deviceSrp = new SrpClient();
        r = { USERNAME: user, DEVICE_KEY: a.device.device_key, SRP_A: a.deviceSrp.srpA };
      } else if (name === 'DEVICE_PASSWORD_VERIFIER') {
        if (!a.device || !a.deviceSrp) throw fail('InvalidState', 'DEVICE_PASSWORD_VERIFIER without device SRP in progress');
        const d = a.device;
        r = a.deviceSrp.answerDevicePasswordVerifier(d.device_group_key, d.device_key, d.device_password, params);
        a.deviceSrp = forget(a.deviceSrp);
      } else {
        return this.#wait(a, name, params, session, user, reply.AvailableChallenges);
      }
      try {
        reply = await this.#respond(name, this.#hash(r, r.USERNAME), session);
      } catch (e) {
        if (a.device && e.code === 'ResourceNotFoundException' && /device/i.test(e.message)) {
          // The service no longer knows the device: forget it here and start again without it.
          await this.#s.remove(`${this.#prefix}${a.username}.device`);
          a.device = null;
          a.srp = forget(a.srp);
          a.deviceSrp = forget(a.deviceSrp);
          return this.#start(a);
        }
        return stepOrThrow(e);
      }
    }
  }

  async #wait(a, name, params, session, user, available) {
    const to = { destination: params.CODE_DELIVERY_DESTINATION, deliveryMedium: params.CODE_DELIVERY_DELIVERY_MEDIUM };
    let step, options = [], required = [];
    if (name === 'SMS_MFA' || name === 'SMS_OTP') step = { signInStep: 'CONFIRM_SIGN_IN_WITH_SMS_CODE', codeDeliveryDetails: to };
    else if (name === 'SOFTWARE_TOKEN_MFA') step = { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' };
    else if (name === 'EMAIL_OTP') step = { signInStep: 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE', codeDeliveryDetails: to };
    else if (name === 'SELECT_MFA_TYPE') {
      options = list(params.MFAS_CAN_CHOOSE, 'MFAS_CAN_CHOOSE');
      step = { signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION', allowedMFATypes: options.map((m) => mfaName(m)) };
    } else if (name === 'MFA_SETUP') {
      const can = list(params.MFAS_CAN_SETUP, 'MFAS_CAN_SETUP');
      if (can.length && !can.includes('SOFTWARE_TOKEN_MFA')) throw fail('UnexpectedChallenge', `MFAS_CAN_SETUP: the kit can set up an authenticator app, not ${JSON.stringify(can)}`);
      const t = await this.#call('AssociateSoftwareToken', { Session: session });
      const secret = str(t.SecretCode, 'SecretCode');
      session = str(t.Session, 'Session', true) ?? session;
      step = { signInStep: 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP', totpSetupDetails: { sharedSecret: secret, setupUri: otpauth(this.#pool, a.username, secret) } };
    } else if (name === 'NEW_PASSWORD_REQUIRED') {
      required = list(params.requiredAttributes, 'requiredAttributes').map((x) => x.replace(/^userAttributes\./, ''));
      step = { signInStep: 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED', missingAttributes: required };
    } else if (name === 'CUSTOM_CHALLENGE') step = { signInStep: 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE', additionalInfo: params };
    else if (name === 'SELECT_CHALLENGE') step = { signInStep: 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION', availableChallenges: array(available, 'AvailableChallenges').map((c) => str(c, 'AvailableChallenges')) };
    else throw fail('UnexpectedChallenge', `ChallengeName: ${JSON.stringify(name)} cannot be answered here`);
    // What waits for the user keeps no password and no SRP secret.
    a.srp = forget(a.srp);
    a.deviceSrp = forget(a.deviceSrp);
    this.#cancelled(a);
    this.#pending = { a: { ...a, password: null }, name, session, user, options, required };
    return { isSignedIn: false, nextStep: step };
  }

  /** `confirmSignIn({ challengeResponse, userAttributes? })` → `{ isSignedIn, nextStep }`. A wrong code
   * keeps the sign-in open for another try; other failures end it. */
  async confirmSignIn(input) {
    const p = this.#pending;
    if (!p) throw fail('InvalidState', 'no sign-in is waiting for an answer');
    const answer = need(input, 'challengeResponse');
    const r = { USERNAME: p.user };
    if (has(CODE_KEY, p.name)) r[CODE_KEY[p.name]] = answer;
    else if (p.name === 'SELECT_MFA_TYPE') {
      r.ANSWER = mfaServiceName(answer);
      if (p.options.length && !p.options.includes(r.ANSWER)) throw invalid(`"${answer}" is not one of the offered MFA types`);
    } else if (p.name === 'NEW_PASSWORD_REQUIRED') {
      r.NEW_PASSWORD = answer;
      for (const [k, v] of pairs(input.userAttributes, 'userAttributes')) r[`userAttributes.${k}`] = v;
      const missing = p.required.filter((k) => !(`userAttributes.${k}` in r));
      if (missing.length) throw invalid(`the new-password challenge requires the attributes ${JSON.stringify(missing)}`);
    } else if (p.name !== 'MFA_SETUP') r.ANSWER = answer;
    this.#pending = null;
    let reply;
    try {
      if (p.name === 'MFA_SETUP') {
        const v = await this.#call('VerifySoftwareToken', { Session: p.session, UserCode: answer });
        reply = await this.#respond('MFA_SETUP', this.#hash(r, p.user), str(v.Session, 'Session', true) ?? p.session);
      } else {
        reply = await this.#respond(p.name, this.#hash(r, p.user), p.session);
      }
    } catch (e) {
      const retry = e.code === 'CodeMismatchException' || e.code === 'EnableSoftwareTokenMFAException';
      if (retry && this.#epoch === p.a.epoch && !this.#pending) this.#pending = p;
      throw e;
    }
    const a = { ...p.a, password: null, srp: null, deviceSrp: null };
    return this.#attempt(a, () => this.#advance(a, reply));
  }

  /** A sign-in step that answers after a newer signIn or a signOut must not act on it. */
  #cancelled(a) {
    if (a.epoch !== this.#epoch) throw fail('InvalidState', 'this sign-in was replaced by a newer sign-in or a sign-out');
  }

  async #finish(a, result) {
    const typed = a.username;
    if (!isObj(result)) throw badReply('AuthenticationResult', 'expected an object');
    if (result.IdToken == null) throw fail('MissingField', 'IdToken: absent after sign-in');
    const idToken = str(result.IdToken, 'IdToken'), accessToken = str(result.AccessToken, 'AccessToken');
    const id = claims(idToken);
    claims(accessToken);
    const username = [id['cognito:username'], id.username, typed].find((u) => typeof u === 'string');
    const record = {
      username, signed_in_as: typed, id_token: idToken, access_token: accessToken,
      refresh_token: str(result.RefreshToken, 'RefreshToken', true),
      clock_drift: nowS() - (time(id, 'iat') ?? nowS()),
    };
    this.#cancelled(a);
    const previous = await this.#s.get(`${this.#prefix}lastAuthUser`);
    await this.#save(`${username}.tokens`, record);
    try {
      await this.#save('lastAuthUser', username);
    } catch (e) {
      // Not half a session: tokens nobody is signed in with do not stay behind.
      await this.#s.remove(`${this.#prefix}${username}.tokens`).catch(() => {});
      throw e;
    }
    // One signed-in user per pool client: the previous user's tokens go.
    if (previous !== null && previous !== username) await this.#s.remove(`${this.#prefix}${previous}.tokens`);
    const meta = result.NewDeviceMetadata;
    if (isObj(meta)) {
      // A failure to confirm the device does not undo the sign-in: the device is simply not kept.
      try {
        const key = str(meta.DeviceKey, 'DeviceKey'), group = str(meta.DeviceGroupKey, 'DeviceGroupKey');
        const v = deviceVerifier(group, key);
        const c = await this.#call('ConfirmDevice', {
          AccessToken: accessToken, DeviceKey: key, DeviceName: this.#o.deviceName,
          DeviceSecretVerifierConfig: { PasswordVerifier: v.passwordVerifier, Salt: v.salt },
        });
        await this.#save(`${typed}.device`, { device_key: key, device_group_key: group, device_password: v.password, remembered: c.UserConfirmationNecessary !== true });
      } catch {}
    }
    this.#emit('signedIn');
  }

  // ------------------------------------------------------------------ session
  #expiring(r) {
    const limit = nowS() - (Number.isFinite(r.clock_drift) ? r.clock_drift : 0) + this.#o.refreshMarginSeconds;
    return [r.access_token, r.id_token].some((t) => (time(claims(t), 'exp') ?? -Infinity) <= limit);
  }
  #session(r) {
    return { username: r.username, idToken: r.id_token, accessToken: r.access_token, expiresAt: time(claims(r.access_token), 'exp') ?? 0, idTokenClaims: claims(r.id_token) };
  }

  /** `getSession()` → `{ username, idToken, accessToken, expiresAt, idTokenClaims }`, refreshed first
   * when needed (one refresh for concurrent callers, and across tabs where Web Locks exist). */
  async getSession() {
    const r = await this.#record();
    return this.#expiring(r) ? this.#refresh(false) : this.#session(r);
  }
  /** Refreshes now, whatever the expiry (shared with a refresh already running). */
  refreshSession() {
    return this.#refresh(true);
  }
  #refresh(force) {
    // A tab that waited for another tab's refresh looks first whether fresh tokens are stored.
    const run = async () => {
      const r = await this.#record();
      return !force && !this.#expiring(r) ? this.#session(r) : this.#refreshOnce(r);
    };
    const locks = globalThis.navigator?.locks;
    // Where Web Locks exist but refuse (an opaque origin), the refresh runs unlocked.
    const locked = async () => {
      try {
        return await locks.request(this.#lock, run);
      } catch (e) {
        if (e instanceof CognitoError) throw e;
        return run();
      }
    };
    this.#flight ??= (locks ? locked() : run()).finally(() => (this.#flight = null));
    return this.#flight;
  }
  async #refreshOnce(r) {
    if (typeof r.refresh_token !== 'string') throw notSignedIn();
    const device = await this.#device(r.signed_in_as);
    let result, updated;
    try {
      if (this.#o.refreshTokenRotation) {
        result = (await this.#call('GetTokensFromRefreshToken', { RefreshToken: r.refresh_token, ClientId: this.#o.clientId, ClientSecret: this.#o.clientSecret, DeviceKey: device?.device_key })).AuthenticationResult;
      } else {
        const p = { REFRESH_TOKEN: r.refresh_token };
        if (device) p.DEVICE_KEY = device.device_key;
        result = (await this.#call('InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: this.#o.clientId, AuthParameters: this.#hash(p, r.username) })).AuthenticationResult;
      }
      if (!isObj(result)) throw inField('UnexpectedResponse', 'AuthenticationResult', 'absent from a refresh reply');
      const iat = time(claims(str(result.AccessToken, 'AccessToken')), 'iat');
      if (result.IdToken != null) claims(str(result.IdToken, 'IdToken'));
      updated = {
        ...r, access_token: result.AccessToken, id_token: result.IdToken ?? r.id_token,
        // Keep the newest refresh token: a reply without one means the old one stays valid.
        refresh_token: str(result.RefreshToken, 'RefreshToken', true) ?? r.refresh_token,
        clock_drift: nowS() - (iat ?? nowS()),
      };
    } catch (e) {
      // Only the service's own "this refresh token is no longer valid" ends the session; a network
      // failure, a timeout, a 5xx or a malformed reply keeps every stored token. A session that
      // changed meanwhile (a sign-out, a new sign-in) is not this refresh's to end.
      this.#emit('tokenRefreshFailure', e);
      if (e.code === 'NotAuthorizedException' && (await this.#unchanged(r))) await this.#end(r.key);
      throw e;
    }
    if (!(await this.#unchanged(r))) return this.#session(await this.#record());
    await this.#save(`${r.key}.tokens`, updated);
    this.#emit('tokenRefresh');
    return this.#session(updated);
  }
  /** Whether the stored session is still the one `r` was read from. */
  async #unchanged(r) {
    try {
      const now = await this.#record();
      return now.key === r.key && now.refresh_token === r.refresh_token;
    } catch {
      return false;
    }
  }
  /** Removes the user's tokens and, while it names them, the current-user marker. A remembered
   * device stays. */
  async #end(user) {
    await this.#s.remove(`${this.#prefix}${user}.tokens`);
    if ((await this.#s.get(`${this.#prefix}lastAuthUser`)) === user) await this.#s.remove(`${this.#prefix}lastAuthUser`);
    this.#emit('signedOut');
  }

  /** `signOut({ global? })`: here (revoking the refresh token) or everywhere. Local tokens go even when
   * the network is down, except after a failed global sign-out (it must be visible and retryable). */
  async signOut(input) {
    this.#pending = null;
    this.#epoch++;
    let r;
    try {
      r = await this.#record();
    } catch (e) {
      if (e.code !== 'NotSignedIn') throw e;
      // Nothing usable is stored; whatever the marker points at goes with it.
      const user = await this.#s.get(`${this.#prefix}lastAuthUser`);
      if (user !== null) await this.#s.remove(`${this.#prefix}${user}.tokens`);
      await this.#s.remove(`${this.#prefix}lastAuthUser`);
      return;
    }
    try {
      if (input?.global) {
        // An access token that expired while the page sat idle is refreshed first.
        const token = (await this.getSession().catch(() => null))?.accessToken ?? r.access_token;
        await this.#call('GlobalSignOut', { AccessToken: token });
      }
      else if (typeof r.refresh_token === 'string') await this.#call('RevokeToken', { Token: r.refresh_token, ClientId: this.#o.clientId, ClientSecret: this.#o.clientSecret });
    } catch (e) {
      if (input?.global) throw e;
    }
    await this.#end(r.key);
  }

  async #authed(op, body, idempotent) {
    const { accessToken } = await this.getSession();
    return this.#call(op, { AccessToken: accessToken, ...body }, idempotent);
  }

  // ------------------------------------------------------------------ sign-up and passwords
  /** `signUp({ username, password, userAttributes? })`. */
  async signUp(input) {
    const r = await this.#call('SignUp', this.#byName(input, { Password: need(input, 'password'), UserAttributes: attributes(input.userAttributes, 'userAttributes') }));
    if (typeof r.UserConfirmed !== 'boolean') throw badReply('UserConfirmed', 'expected a boolean');
    const done = r.UserConfirmed;
    return {
      isSignUpComplete: done, userId: str(r.UserSub, 'UserSub', true),
      nextStep: { signUpStep: done ? 'DONE' : 'CONFIRM_SIGN_UP', codeDeliveryDetails: delivery(r.CodeDeliveryDetails) },
    };
  }
  /** `confirmSignUp({ username, confirmationCode })`. */
  async confirmSignUp(input) {
    await this.#call('ConfirmSignUp', this.#byName(input, { ConfirmationCode: need(input, 'confirmationCode') }));
    return { isSignUpComplete: true, nextStep: { signUpStep: 'DONE' } };
  }
  /** `resendSignUpCode({ username })` → code delivery details. */
  async resendSignUpCode(input) {
    return delivery((await this.#call('ResendConfirmationCode', this.#byName(input))).CodeDeliveryDetails);
  }
  /** `forgotPassword({ username })` → `{ nextStep: { resetPasswordStep, codeDeliveryDetails } }`. */
  async forgotPassword(input) {
    const r = await this.#call('ForgotPassword', this.#byName(input));
    return { nextStep: { resetPasswordStep: 'CONFIRM_RESET_PASSWORD_WITH_CODE', codeDeliveryDetails: delivery(r.CodeDeliveryDetails) } };
  }
  /** `confirmForgotPassword({ username, confirmationCode, newPassword })`. */
  async confirmForgotPassword(input) {
    await this.#call('ConfirmForgotPassword', this.#byName(input, { ConfirmationCode: need(input, 'confirmationCode'), Password: need(input, 'newPassword') }));
  }
  /** `changePassword({ oldPassword, newPassword })`. */
  async changePassword(input) {
    await this.#authed('ChangePassword', { PreviousPassword: need(input, 'oldPassword'), ProposedPassword: need(input, 'newPassword') });
  }

  // ------------------------------------------------------------------ the user
  /** `getUser()` → `{ username, attributes, preferredMfa, enabledMfa }`. */
  async getUser() {
    const r = await this.#authed('GetUser', {}, true);
    const preferred = str(r.PreferredMfaSetting, 'PreferredMfaSetting', true);
    return {
      username: str(r.Username, 'Username'), attributes: attributeMap(r.UserAttributes, 'UserAttributes'),
      preferredMfa: preferred ? mfaName(preferred) : undefined,
      enabledMfa: array(r.UserMFASettingList, 'UserMFASettingList').map((m) => mfaName(str(m, 'UserMFASettingList'))),
    };
  }
  /** `updateUserAttributes({ userAttributes })` → code deliveries for changed email/phone. */
  async updateUserAttributes(input) {
    const r = await this.#authed('UpdateUserAttributes', { UserAttributes: attributes(input?.userAttributes, 'userAttributes') });
    return array(r.CodeDeliveryDetailsList, 'CodeDeliveryDetailsList').map((d) => delivery(d));
  }
  /** `verifyUserAttribute({ userAttributeKey, confirmationCode })`. */
  async verifyUserAttribute(input) {
    await this.#authed('VerifyUserAttribute', { AttributeName: need(input, 'userAttributeKey'), Code: need(input, 'confirmationCode') });
  }
  /** `sendUserAttributeVerificationCode({ userAttributeKey })`. */
  async sendUserAttributeVerificationCode(input) {
    return delivery((await this.#authed('GetUserAttributeVerificationCode', { AttributeName: need(input, 'userAttributeKey') })).CodeDeliveryDetails);
  }
  /** `deleteUserAttributes({ userAttributeKeys })`. */
  async deleteUserAttributes(input) {
    const keys = input?.userAttributeKeys;
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) throw invalid('userAttributeKeys is required (an array of strings)');
    await this.#authed('DeleteUserAttributes', { UserAttributeNames: keys });
  }
  /** `deleteUser()`: deletes the account and ends the session. */
  async deleteUser() {
    const r = await this.#record();
    await this.#authed('DeleteUser', {});
    await this.#s.remove(`${this.#prefix}${r.signed_in_as}.device`);
    await this.#end(r.key);
  }
  /** `setUpTotp({ issuer? })` → `{ sharedSecret, setupUri }`. */
  async setUpTotp(input) {
    const session = await this.getSession();
    const r = await this.#call('AssociateSoftwareToken', { AccessToken: session.accessToken });
    const secret = str(r.SecretCode, 'SecretCode');
    return { sharedSecret: secret, setupUri: otpauth(input?.issuer ?? this.#pool, session.username, secret) };
  }
  /** `verifyTotpSetup({ code, friendlyDeviceName? })`. */
  async verifyTotpSetup(input) {
    const r = await this.#authed('VerifySoftwareToken', { UserCode: need(input, 'code'), FriendlyDeviceName: option(input, 'friendlyDeviceName', 'string', undefined) });
    if (r.Status != null && r.Status !== 'SUCCESS') throw fail('EnableSoftwareTokenMFAException', `verification status ${JSON.stringify(r.Status)}`, { status: 400 });
  }
  /** `setMfaPreference({ totp?, sms?, email? })`, each `ENABLED | DISABLED | PREFERRED | NOT_PREFERRED`. */
  async setMfaPreference(input) {
    await this.#authed('SetUserMFAPreference', {
      SoftwareTokenMfaSettings: setting(input?.totp, 'totp'), SMSMfaSettings: setting(input?.sms, 'sms'), EmailMfaSettings: setting(input?.email, 'email'),
    });
  }

  // ------------------------------------------------------------------ devices
  /** `rememberDevice()`: later sign-ins from this device use device SRP. */
  async rememberDevice() {
    const key = `${(await this.#record()).signed_in_as}.device`;
    const d = await this.#load(key);
    if (typeof d?.device_key !== 'string') throw fail('InvalidState', 'this sign-in has no device to remember');
    await this.#authed('UpdateDeviceStatus', { DeviceKey: d.device_key, DeviceRememberedStatus: 'remembered' });
    await this.#save(key, { ...d, remembered: true });
  }
  /** `forgetDevice({ deviceKey? })`: this device when no key is given. */
  async forgetDevice(input) {
    const r = await this.#record();
    const local = await this.#device(r.signed_in_as);
    const target = input?.deviceKey ?? local?.device_key;
    if (target === undefined) throw fail('InvalidState', 'no device is remembered here');
    if (typeof target !== 'string') throw invalid('deviceKey must be a string');
    await this.#authed('ForgetDevice', { DeviceKey: target });
    if (local?.device_key === target) await this.#s.remove(`${this.#prefix}${r.signed_in_as}.device`);
  }
  /** `listDevices()` → `[{ id, name, attributes, createDate, lastModifiedDate, lastAuthenticatedDate }]`. */
  async listDevices() {
    const all = [];
    let page;
    do {
      const r = await this.#authed('ListDevices', { Limit: 60, PaginationToken: page }, true);
      all.push(...array(r.Devices, 'Devices').map(device));
      page = str(r.PaginationToken, 'PaginationToken', true) || undefined;
    } while (page);
    return all;
  }
  /** `getDevice({ deviceKey? })`: this device when no key is given. */
  async getDevice(input) {
    let key = input?.deviceKey ?? undefined;
    if (key === undefined) {
      key = (await this.#device((await this.#record()).signed_in_as))?.device_key;
      if (key === undefined) throw fail('InvalidState', 'no device is remembered here');
    }
    if (typeof key !== 'string') throw invalid('deviceKey must be a string');
    return device((await this.#authed('GetDevice', { DeviceKey: key }, true)).Device);
  }
}

/** Errors that mean "do this next" become steps, as Amplify reports them. */
function stepOrThrow(e) {
  if (e.code === 'UserNotConfirmedException') return { isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_UP' } };
  if (e.code === 'PasswordResetRequiredException') return { isSignedIn: false, nextStep: { signInStep: 'RESET_PASSWORD' } };
  throw e;
}
function attributes(map, key) {
  return pairs(map, key).map(([Name, Value]) => ({ Name, Value }));
}
function device(d) {
  if (!isObj(d)) throw badReply('Device', 'expected an object');
  const attrs = attributeMap(d.DeviceAttributes, 'DeviceAttributes');
  const date = (s, field) => {
    if (s == null) return undefined;
    if (!Number.isFinite(s)) throw badReply(field, 'expected a number');
    return new Date(s * 1000);
  };
  return {
    id: str(d.DeviceKey, 'DeviceKey'), name: attrs.device_name, attributes: attrs,
    createDate: date(d.DeviceCreateDate, 'DeviceCreateDate'),
    lastModifiedDate: date(d.DeviceLastModifiedDate, 'DeviceLastModifiedDate'),
    lastAuthenticatedDate: date(d.DeviceLastAuthenticatedDate, 'DeviceLastAuthenticatedDate'),
  };
}
