// CognitoAuth: the crate's engine (compiled to WebAssembly, `Engine` in src/js/package.rs) with the
// I/O it asks for. Every decision — input checks, requests, how replies are read, SRP, what is
// stored, refresh, retries, sign-out order, error codes — is the engine's, the same code Rust apps
// run. This file only picks the storage, performs fetches, storage calls, Web Locks and timers, and
// calls the app's listeners. Nothing here logs, and tokens go only to the storage the app chose.
import { args, exports as wasm, handle, take, toError, version } from './cognito_kit.js';

const error = (code, message) => toError({ message: `${code}: ${message}`, name: code, code, retryable: false });
const invalid = (message) => error('InvalidArgument', message);
const EVENTS = ['signedIn', 'signedOut', 'tokenRefresh', 'tokenRefreshFailure'];
/** What `f` gives as text; never throws (a thrown value whose `message` getter throws, an object
 * that cannot be converted). */
const text = (f) => {
  try {
    return String(f());
  } catch {
    return 'an error without a readable message';
  }
};
/** What went wrong, as text: a thrown value's message, or the value itself. */
const reason = (e) => text(() => e?.message ?? e);
/** `value` as JSON, or an InvalidArgument naming `what`. */
function serialize(value, what, replacer) {
  try {
    return JSON.stringify(value(), replacer) ?? 'null';
  } catch (e) {
    throw invalid(`${what} cannot be read: ${reason(e)}`);
  }
}

function memory() {
  const m = new Map();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}
/** Web Storage where it works (not in Node, some private modes, sandboxed frames), else `fallback`. */
function webStorage(name, fallback = memory) {
  try {
    const s = globalThis[name];
    s.setItem('cognito-kit.probe', '1');
    s.removeItem('cognito-kit.probe');
    return s;
  } catch {
    return fallback();
  }
}
/** The tab's own storage, for a sign-in with a redirect: it outlives the navigation, not the tab.
 * Memory would not, so where there is none its calls fail and the engine reports it. */
let tabStorage;
const transient = () => (tabStorage ??= webStorage('sessionStorage', () => {
  throw new Error('sessionStorage is not available here, and a sign-in with a redirect needs it');
}));
function pickStorage(storage = 'local') {
  const s = storage === 'memory' ? memory() : storage === 'local' ? webStorage('localStorage')
    : storage === 'session' ? webStorage('sessionStorage') : typeof storage === 'string' ? null : storage;
  if (!s) throw invalid(`storage must be "local", "session", "memory" or an object, not ${JSON.stringify(storage)}`);
  for (const method of ['getItem', 'setItem', 'removeItem']) {
    if (typeof s[method] !== 'function') throw invalid(`the storage object has no ${method}()`);
  }
  return s;
}

/** Reads at most `max` bytes of a response body (a stream where there is one). */
async function readBody(res, max) {
  if (!res.body?.getReader) {
    const all = new Uint8Array(await res.arrayBuffer());
    const out = all.slice(0, max);
    all.fill(0); // as the chunks below
    return out;
  }
  const reader = res.body.getReader();
  const chunks = [];
  let size = 0;
  while (size < max) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  if (size >= max) reader.cancel().catch(() => {});
  const out = new Uint8Array(Math.min(size, max));
  let at = 0;
  for (const c of chunks) {
    out.set(c.subarray(0, out.length - at), at);
    at += Math.min(c.length, out.length - at);
    c.fill(0); // a reply may hold tokens: no copy stays behind but the one the engine reads
  }
  return out;
}

/** A request with a timeout: [status, x-amzn-errortype, body] or throws [kind, message]. */
async function send(url, body, headers, timeoutMs, maxBytes) {
  const ctl = new AbortController();
  let timedOut = false;
  const timer = timeoutMs > 0 && setTimeout(() => ((timedOut = true), ctl.abort()), timeoutMs);
  try {
    const res = await fetch(url, {
      method: body == null ? 'GET' : 'POST', cache: 'no-store', credentials: 'omit', signal: ctl.signal, body, headers,
    });
    return [res.status, res.headers.get('x-amzn-errortype'), await readBody(res, maxBytes + 1)];
  } catch (e) {
    throw [timedOut ? 'timeout' : 'network', reason(e)];
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the origin-wide lock `name` is held, to the function that releases it; at once
 * where Web Locks do not exist or refuse (an opaque origin): the engine then goes on without it. */
function lock(name) {
  const locks = globalThis.navigator?.locks;
  if (!locks) return Promise.resolve();
  return new Promise((granted) => {
    try {
      locks.request(name, () => new Promise(granted)).catch(() => granted());
    } catch {
      granted();
    }
  });
}

// Set by an entry that loads the wasm without a top-level await (lazy.js, for service workers; index.js
// when its load failed): engines are then made once it has loaded. `load` starts the load, or gives
// the one that succeeded; after a failure the next call tries again.
let loading = null;
/** @internal */
export const loadWith = (load) => void (loading = load);

const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const unb64url = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
/** WebAuthn's JSON form of a credential, where the platform lacks `toJSON()`. */
function credentialJson(c) {
  const r = c.response;
  const response = { clientDataJSON: b64url(r.clientDataJSON) };
  if (r.attestationObject) {
    const key = r.getPublicKey?.();
    Object.assign(response, {
      attestationObject: b64url(r.attestationObject), transports: r.getTransports?.() ?? [],
      authenticatorData: r.getAuthenticatorData && b64url(r.getAuthenticatorData()),
      publicKey: key ? b64url(key) : undefined, publicKeyAlgorithm: r.getPublicKeyAlgorithm?.(),
    });
  } else {
    Object.assign(response, {
      authenticatorData: b64url(r.authenticatorData), signature: b64url(r.signature),
      userHandle: r.userHandle ? b64url(r.userHandle) : undefined,
    });
  }
  return {
    id: c.id, rawId: b64url(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment ?? undefined,
    clientExtensionResults: c.getClientExtensionResults?.() ?? {}, response,
  };
}
/** A passkey ceremony with the platform's authenticator: the options and the credential in
 * WebAuthn's JSON form; a failure is [DOMException name, message]. */
async function passkey(create, optionsJson) {
  const P = globalThis.PublicKeyCredential;
  const credentials = globalThis.navigator?.credentials;
  if (!P || !credentials) throw ['NotSupportedError', 'this platform has no WebAuthn'];
  const ids = (list) => list?.map((d) => ({ ...d, id: unb64url(d.id) }));
  try {
    const o = JSON.parse(optionsJson);
    const publicKey = create
      ? (P.parseCreationOptionsFromJSON?.(o) ?? { ...o, challenge: unb64url(o.challenge), user: { ...o.user, id: unb64url(o.user.id) }, excludeCredentials: ids(o.excludeCredentials) })
      : (P.parseRequestOptionsFromJSON?.(o) ?? { ...o, challenge: unb64url(o.challenge), allowCredentials: ids(o.allowCredentials) });
    const c = await credentials[create ? 'create' : 'get']({ publicKey });
    return JSON.stringify(c.toJSON?.() ?? credentialJson(c));
  } catch (e) {
    throw [text(() => e?.name ?? 'Error'), reason(e)];
  }
}

/** A device's and a passkey's dates are sent as milliseconds (`Device` and `WebAuthnCredential` in
 * client.d.ts have `Date`s). */
const DATES = new Set(['createDate', 'lastModifiedDate', 'lastAuthenticatedDate']);
function revive(key, value) {
  return typeof value === 'number' && (DATES.has(key) && typeof this.id === 'string' && typeof this.attributes === 'object'
    || key === 'createdAt' && typeof this.credentialId === 'string') ? new Date(value) : value;
}
/** Inputs are plain data: members that are not (an event, a DOM node passed by mistake) are left
 * out, as unknown members always were. */
const plain = (key, value) =>
  value === null || typeof value !== 'object' || Array.isArray(value) || (Object.getPrototypeOf(value) ?? Object.prototype) === Object.prototype || key === '' ? value : undefined;

/** Engines of instances that were garbage-collected (`held.p`: the engine's handle, once made). */
const engines = new FinalizationRegistry((held) => Promise.resolve(held.p).then((e) => wasm().engine_free(e), () => {}));

export class CognitoAuth {
  #engine;
  #load;
  #storage;
  #listeners = new Set();
  /** The tasks waiting for a refresh another task leads, by refresh id. */
  #waiting = new Map();

  /** `new CognitoAuth({ userPoolId, clientId, clientSecret?, endpoint?, storage?, refreshTokenRotation?,
   * deviceName?, timeoutMs?, refreshMarginSeconds?, oauth? })`. */
  constructor(options) {
    this.#storage = pickStorage(options?.storage);
    const make = () => handle(wasm().engine_new(...args(serialize(() => ({ ...options, storage: undefined }), 'the options'))));
    const held = {};
    engines.register(this, held);
    // While the wasm loads, option errors reject the first call instead of throwing here; a load
    // that failed (offline) is tried again by the next call.
    this.#load = () => (held.p = this.#engine = loading
      ? loading().then(make, (e) => {
        this.#engine = undefined;
        throw error('InvalidState', `the WebAssembly could not be loaded: ${reason(e)}`);
      })
      : make());
    if (loading) this.#load().catch(() => {});
    else this.#load();
  }

  /** `on(event, listener)`: `signedIn | signedOut | tokenRefresh | tokenRefreshFailure`; returns an
   * unsubscribe function. */
  on(event, listener) {
    if (!EVENTS.includes(event)) throw invalid(`unknown event ${JSON.stringify(event)}: ${EVENTS.join(', ')}`);
    if (typeof listener !== 'function') throw invalid('listener must be a function');
    const entry = [event, listener];
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  #wake(id) {
    for (const resume of this.#waiting.get(id) ?? []) resume();
    this.#waiting.delete(id);
  }

  /** Runs a method: the engine's task says what to do next, this loop does it and says how it went
   * (see src/js/package.rs). No decision is made here. */
  async #run(method, input) {
    const json = serialize(() => input ?? null, 'the input', plain);
    const engine = await (this.#engine ?? this.#load());
    const w = wasm();
    const task = handle(w.engine_start(engine, ...args(method, json)));
    const storage = this.#storage;
    let release;
    let ok = 1, n, a, b;
    try {
      for (;;) {
        let [op, x, y, z, t, m] = JSON.parse(take(w.task_resume(task, ok, n, ...args(a, b))), revive);
        ok = 1;
        n = a = b = undefined;
        try {
          switch (op) {
            case 0: return x;
            case 1: [n, a, b] = await send(x, z, {
              'content-type': 'application/x-amz-json-1.1', 'x-amz-target': y,
              'x-amz-user-agent': `cognito-kit/${version()}`, 'cache-control': 'no-store',
            }, t, m); break;
            // 2-4 the app's storage, 12-14 the tab's own.
            case 2: case 12: a = await (op < 12 ? storage : transient()).getItem(x); if (typeof a !== 'string') a = null; break;
            case 3: case 13: await (op < 12 ? storage : transient()).setItem(x, y); break;
            case 4: case 14: await (op < 12 ? storage : transient()).removeItem(x); break;
            case 5:
              y &&= toError(y);
              // A listener that throws (or whose promise rejects) must not break the client, nor
              // keep the others from hearing.
              for (const [e, listener] of [...this.#listeners]) {
                if (e === x) try { listener(y)?.then?.(null, () => {}); } catch {}
              }
              break;
            case 6: release = await lock(x); break;
            case 7: release?.(); release = undefined; break;
            case 8: await new Promise((r) => setTimeout(r, x)); break;
            case 9: await new Promise((r) => (this.#waiting.get(x) ?? this.#waiting.set(x, []).get(x)).push(r)); break;
            case 10: this.#wake(x); break;
            case 11: a = await passkey(x === 1, y); break;
            case 15: if (y) history.replaceState(history.state, '', x); else location.assign(x); break;
            case 16: [n, a, b] = await send(x, z, {
              ...(y == null ? {} : { authorization: y }), ...(z == null ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
            }, t, m); break;
          }
        } catch (e) {
          ok = 0;
          [a, b] = Array.isArray(e) ? e : [reason(e)];
        }
      }
    } finally {
      release?.();
      const led = w.task_abandon(task);
      if (led >= 0) this.#wake(led);
      w.task_free(task);
    }
  }

  signIn(input) { return this.#run('signIn', input); }
  confirmSignIn(input) { return this.#run('confirmSignIn', input); }
  getSession() { return this.#run('getSession'); }
  refreshSession() { return this.#run('refreshSession'); }
  signOut(input) { return this.#run('signOut', input); }
  signUp(input) { return this.#run('signUp', input); }
  confirmSignUp(input) { return this.#run('confirmSignUp', input); }
  resendSignUpCode(input) { return this.#run('resendSignUpCode', input); }
  forgotPassword(input) { return this.#run('forgotPassword', input); }
  confirmForgotPassword(input) { return this.#run('confirmForgotPassword', input); }
  changePassword(input) { return this.#run('changePassword', input); }
  getUser() { return this.#run('getUser'); }
  updateUserAttributes(input) { return this.#run('updateUserAttributes', input); }
  verifyUserAttribute(input) { return this.#run('verifyUserAttribute', input); }
  sendUserAttributeVerificationCode(input) { return this.#run('sendUserAttributeVerificationCode', input); }
  deleteUserAttributes(input) { return this.#run('deleteUserAttributes', input); }
  deleteUser() { return this.#run('deleteUser'); }
  setUpTotp(input) { return this.#run('setUpTotp', input); }
  verifyTotpSetup(input) { return this.#run('verifyTotpSetup', input); }
  setMfaPreference(input) { return this.#run('setMfaPreference', input); }
  rememberDevice() { return this.#run('rememberDevice'); }
  forgetDevice(input) { return this.#run('forgetDevice', input); }
  listDevices() { return this.#run('listDevices'); }
  getDevice(input) { return this.#run('getDevice', input); }
  autoSignIn() { return this.#run('autoSignIn'); }
  associateWebAuthnCredential() { return this.#run('associateWebAuthnCredential'); }
  signInWithRedirect(input) { return this.#run('signInWithRedirect', input); }
  /** `handleRedirect({ url? })`: the callback page's address by default. */
  handleRedirect(input) { return this.#run('handleRedirect', { ...input, url: input?.url ?? globalThis.location?.href }); }
  getUserInfo() { return this.#run('getUserInfo'); }
  getUserAuthFactors() { return this.#run('getUserAuthFactors'); }
  listWebAuthnCredentials(input) { return this.#run('listWebAuthnCredentials', input); }
  deleteWebAuthnCredential(input) { return this.#run('deleteWebAuthnCredential', input); }
}
