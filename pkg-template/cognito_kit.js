// The wasm's loader and its small API (src/js/package.rs says how values cross): strings in and out of
// the wasm's memory, handles for objects, errors thrown as CognitoError. No protocol decision is made here.
import { CognitoError } from './errors.js';

// The wasm's exports, once loaded. Until then every use is a CognitoError (an entry whose load
// failed, `cognito-kit/lazy` before `ready`), not a TypeError.
const unloaded = new Proxy({}, {
  get() {
    throw toError({ message: 'InvalidState: the WebAssembly is not loaded', name: 'InvalidState', code: 'InvalidState', retryable: false });
  },
});
let w = unloaded;
const enc = new TextEncoder();
const dec = new TextDecoder();
const view = (p, n) => new Uint8Array(w.memory.buffer, p, n);
// The page's own parseFloat as it was at load: no app code runs inside a call into the wasm.
const num = parseFloat;
const imports = {
  kit: {
    random: (p, n) => {
      try {
        crypto.getRandomValues(view(p, n));
        return 1;
      } catch {
        return 0;
      }
    },
    now: () => Date.now(),
    parse_float: (p, n) => num(dec.decode(view(p, n))),
  },
};

/** @internal Arguments in the wasm's memory, as (address, length) pairs: a string's UTF-8 or a byte
 * array, anything else none (0, 0; the wasm says what it needed). Every value is encoded before the
 * first buffer is made, so nothing is left behind in the wasm when one cannot be; the JavaScript
 * copies of the bytes are zeroed (the wasm zeroes its own once read). */
export function args(...values) {
  const alloc = w.kit_alloc; // first: nothing is encoded where the wasm is not loaded
  const bytes = values.map((v) => (typeof v === 'string' ? enc.encode(v) : v instanceof Uint8Array ? v : null));
  return bytes.flatMap((b) => {
    if (!b) return [0, 0];
    const p = alloc(b.length) >>> 0;
    view(p, b.length).set(b);
    b.fill(0);
    return [p, b.length];
  });
}
/** @internal A CognitoError from the wasm's `{message, name, code, retryable, status?}`. */
export const toError = (e) => Object.assign(new CognitoError(e.message), e);
/** @internal The text an export left (`n` its length, inverted for an error, which is thrown). */
export function take(n) {
  const t = dec.decode(view(w.kit_out() >>> 0, n < 0 ? ~n : n));
  w.kit_out_clear();
  if (n < 0) throw toError(JSON.parse(t));
  return t;
}
/** @internal A new object's handle (an error is thrown). */
export const handle = (n) => (n < 0 ? take(n) : n);
/** @internal The wasm's exports. */
export const exports = () => w;

// Loaded once: a second call, or Node's second entry (`cognito-kit` and `cognito-kit/lazy`, which
// share this module), reuses the first instance, whose memory the live handles point into. The
// browser entries are single files (scripts/build-pkg.sh), each with its own instance.
let loading;
const instance = (r) => void (w === unloaded && (w = (r.instance ?? r).exports));
/** Loads the wasm from bytes or a compiled module (Node: `node.js` does this); once. */
export function initSync(module) {
  if (w === unloaded) instance(new WebAssembly.Instance(module instanceof WebAssembly.Module ? module : new WebAssembly.Module(module), imports));
}
/** Loads the wasm from a URL (by default the one next to this file), streaming where the server
 * sends `application/wasm`; once (a failed load can be tried again). */
export default function init(url = new URL('cognito_kit_bg.wasm', import.meta.url)) {
  return (loading ??= (async () => {
    if (w !== unloaded) return;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`cannot load ${url}: HTTP ${res.status}`);
    instance(await (WebAssembly.instantiateStreaming && res.headers.get('content-type')?.startsWith('application/wasm')
      ? WebAssembly.instantiateStreaming(res, imports)
      : WebAssembly.instantiate(await res.arrayBuffer(), imports)));
  })().catch((e) => {
    loading = undefined;
    throw e;
  }));
}

const srps = new FinalizationRegistry((h) => w.srp_free(h));
const json = (v) => {
  try {
    return JSON.stringify(v);
  } catch {} // not JSON: refused by the wasm as not an object
};

/** One SRP exchange, client side (advanced use: custom flows and benchmarks; `CognitoAuth` does
 * this for you). Create a fresh one per sign-in attempt. */
export class SrpClient {
  #h;
  /** Draws a fresh secret `a` from `crypto.getRandomValues` (or takes `random`, 128 bytes, for
   * tests) and computes `A = g^a mod N`. */
  constructor(random) {
    this.#h = handle(w.srp_new(...args(random == null ? null : Uint8Array.from(random))));
    srps.register(this, this.#h, this);
  }
  /** `SRP_A`: lowercase hex, no leading zeros. */
  get srpA() {
    return take(w.srp_a(this.#h));
  }
  /** Answers `PASSWORD_VERIFIER`: the `ChallengeResponses` (USERNAME, PASSWORD_CLAIM_SECRET_BLOCK,
   * TIMESTAMP, PASSWORD_CLAIM_SIGNATURE). `poolName` is the part of the pool id after `_`;
   * `timestamp` defaults to now. */
  answerPasswordVerifier(poolName, password, challengeParameters, timestamp) {
    return this.#answer(0, poolName, password, null, challengeParameters, timestamp);
  }
  /** Answers `DEVICE_PASSWORD_VERIFIER` for a remembered device. */
  answerDevicePasswordVerifier(deviceGroupKey, deviceKey, devicePassword, challengeParameters, timestamp) {
    return this.#answer(1, deviceGroupKey, deviceKey, devicePassword, challengeParameters, timestamp);
  }
  #answer(device, a, b, c, params, timestamp) {
    // The arguments first (the clock, a `toJSON`): the handle is read after the app's last code
    // ran, and nothing calls out of the wasm while it is used (a `free()` there would pull it away).
    const values = args(a, b, c, json(params), timestamp ?? cognitoTimestamp(Date.now() / 1000));
    return JSON.parse(take(w.srp_answer(this.#h, device, ...values)));
  }
  /** Frees the client's memory (also done once it is garbage-collected). */
  free() {
    const h = this.#h;
    this.#h = 0;
    srps.unregister(this);
    w.srp_free(h);
  }
}
if (Symbol.dispose) SrpClient.prototype[Symbol.dispose] = SrpClient.prototype.free;

/** SECRET_HASH = base64(HMAC-SHA256(clientSecret, username ‖ clientId)). */
export const secretHash = (clientSecret, username, clientId) =>
  take(w.secret_hash(...args(clientSecret, username, clientId)));
/** The SRP claim TIMESTAMP for a time in seconds since the epoch (UTC, English, day not padded). */
export const cognitoTimestamp = (unixSeconds) => take(w.cognito_timestamp(unixSeconds));
/** The kit's version. */
export const version = () => take(w.version());
