// Generates cognito-kit's known-answer vectors by running the reference client,
// amazon-cognito-identity-js (pinned in tools/package.json), on fixed inputs.
//
//   node tests/vectors/generate.mjs            writes tests/vectors/*.json
//   node tests/vectors/generate.mjs --check    regenerates in memory and fails if any file differs
//
// Everything random comes from a seeded SHA-256 counter stream, fed to the reference library through
// crypto.getRandomValues (the library draws its SRP `a`, device password and device salt from there),
// and the clock is a fixed Date, so the output is the same on every machine.
//
// The SRP cases drive the library's real sign-in code (CognitoUser.authenticateUser and
// getDeviceResponse) through a stubbed transport: the stub plays the service's PASSWORD_VERIFIER
// challenge and records the RespondToAuthChallenge body the library sends. Spies on the library's
// AuthenticationHelper record the intermediate values (A, u, x, S, key) of that same run.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../../tools/package.json'));
const check = process.argv.includes('--check');

// ---------- deterministic randomness ----------
class Stream {
  constructor(label) {
    this.label = label;
    this.counter = 0;
    this.buf = Buffer.alloc(0);
  }
  bytes(n) {
    while (this.buf.length < n) {
      const block = createHash('sha256').update(`${this.label}/${this.counter++}`).digest();
      this.buf = Buffer.concat([this.buf, block]);
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return Buffer.from(out);
  }
  int(n) {
    return this.bytes(4).readUInt32BE() % n;
  }
  pick(list) {
    return list[this.int(list.length)];
  }
}

// Bytes queued here are what the library's next crypto.getRandomValues calls return, in order.
let queued = Buffer.alloc(0);
globalThis.crypto.getRandomValues = (array) => {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (queued.length < bytes.length) {
    throw new Error('vector generator: the library asked for more random bytes than were queued');
  }
  // The library builds bytes from each Uint32 big-endian; store the words so that the byte
  // stream it derives equals the queued bytes.
  if (array instanceof Uint32Array) {
    for (let i = 0; i < array.length; i++) {
      array[i] = queued.readUInt32BE(i * 4);
    }
  } else {
    bytes.set(queued.subarray(0, bytes.length));
  }
  queued = queued.subarray(bytes.length);
  return array;
};
function queueRandom(buf) {
  queued = Buffer.concat([queued, buf]);
}
function assertQueueEmpty(what) {
  if (queued.length !== 0) {
    throw new Error(`vector generator: ${what} left ${queued.length} queued random bytes unused`);
  }
}

// A fixed clock for DateHelper.getNowString.
const RealDate = Date;
let fixedNow = 0;
globalThis.Date = class extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(fixedNow);
    else super(...args);
  }
  static now() {
    return fixedNow;
  }
};

const lib = require('amazon-cognito-identity-js');
const pkgVersion = JSON.parse(
  readFileSync(require.resolve('amazon-cognito-identity-js/package.json'), 'utf8'),
).version;
const { AuthenticationHelper, AuthenticationDetails, CognitoUser, CognitoUserPool, DateHelper } = lib;

// ---------- spies on the reference helper ----------
let spy = {};
const proto = AuthenticationHelper.prototype;
const originalCalculateS = proto.calculateS;
proto.calculateS = function (xValue, serverBValue, callback) {
  spy.x = this.padHex(xValue);
  return originalCalculateS.call(this, xValue, serverBValue, (err, s) => {
    if (!err) spy.S = this.padHex(s);
    callback(err, s);
  });
};
const originalHkdf = proto.computehkdf;
proto.computehkdf = function (ikm, salt) {
  const key = originalHkdf.call(this, ikm, salt);
  spy.u = Buffer.from(salt).toString('hex');
  spy.key = Buffer.from(key).toString('hex');
  return key;
};

// Every AuthenticationHelper draws its `a` (128 bytes) when constructed.
queueRandom(Buffer.alloc(128, 1));
const helper = new AuthenticationHelper('probe');
const N = helper.N;
const g = helper.g;
const BigInteger = N.constructor;
const bigFromBytes = (buf) => new BigInteger(buf.toString('hex') || '0', 16);

// ---------- input generators ----------
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function alnum(rng, len) {
  let s = '';
  for (let i = 0; i < len; i++) s += ALNUM[rng.int(ALNUM.length)];
  return s;
}
function uuid(rng) {
  const h = rng.bytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
const UNICODE_BITS = ['ä', 'ß', 'Ω', 'ж', '中文', '用户', 'ñ', 'é', '😀', '🔐', 'ﬁ', 'ǅ', '\u200d', 'ℵ', '𝔘'];
function unicodeText(rng, len) {
  let s = '';
  while ([...s].length < len) {
    s += rng.int(3) === 0 ? rng.pick(UNICODE_BITS) : alnum(rng, 1 + rng.int(3));
  }
  return s;
}
const PUNCT = '!@#$%^&*()_+-=[]{};:\'",.<>/?`~\\| ';
function password(rng, i) {
  switch (i % 6) {
    case 0:
      return `${alnum(rng, 8 + rng.int(8))}!1aA`;
    case 1:
      return unicodeText(rng, 6 + rng.int(20));
    case 2: {
      let s = '';
      const len = 100 + rng.int(157);
      for (let k = 0; k < len; k++) s += (ALNUM + PUNCT)[rng.int(ALNUM.length + PUNCT.length)];
      return s;
    }
    case 3:
      return `${alnum(rng, 4)}:${alnum(rng, 4)}:${PUNCT}`;
    case 4:
      return rng.pick(['Passw0rd!', 'correct horse battery staple', 'pässwörd-ÄÖÜ-1', '🔐 emoji pass 🔐']);
    default:
      return unicodeText(rng, 64 + rng.int(64));
  }
}
function userIdForSrp(rng, i) {
  switch (i % 5) {
    case 0:
      return uuid(rng);
    case 1:
      return `${alnum(rng, 3 + rng.int(10)).toLowerCase()}@example.com`;
    case 2:
      return unicodeText(rng, 3 + rng.int(12));
    case 3:
      return alnum(rng, 1 + rng.int(127));
    default:
      return `user_${alnum(rng, 6)}.${alnum(rng, 3)}+tag`;
  }
}
function poolName(rng, i) {
  return i % 4 === 3 ? alnum(rng, 1 + rng.int(30)) : alnum(rng, 9);
}
// 128 bytes for `a`; some with leading zero bytes, some with the top bit set.
function smallA(rng, i) {
  const a = rng.bytes(128);
  if (i % 7 === 1) a.fill(0, 0, 1 + rng.int(8));
  if (i % 7 === 2) a[0] |= 0x80;
  if (i % 29 === 5) a.fill(0, 0, 126); // a tiny a
  return a;
}
// The salt as the service sends it (hex). Variants: leading bit set (padHex gains 00), leading zero
// bytes (dropped when parsed as an integer), uppercase, odd length, short.
function saltHex(rng, i) {
  const raw = rng.bytes(16);
  switch (i % 6) {
    case 0:
      raw[0] |= 0x80;
      return raw.toString('hex');
    case 1:
      raw[0] &= 0x7f;
      return raw.toString('hex');
    case 2:
      raw[0] = 0;
      raw[1] &= 0x0f;
      return raw.toString('hex');
    case 3:
      return raw.toString('hex').toUpperCase();
    case 4:
      return raw.toString('hex').slice(1); // odd length
    default:
      return raw.subarray(0, 1 + rng.int(8)).toString('hex');
  }
}
// B = g^b mod N for a random b (what a real server sends, minus the k·v term, which the client
// cannot tell apart). Variants: written with leading zeros, uppercase, and B + N (the client must
// reduce it).
function serverB(rng, i) {
  const b = bigFromBytes(rng.bytes(32));
  let B;
  g.modPow(b, N, (err, result) => {
    if (err) throw err;
    B = result;
  });
  switch (i % 8) {
    case 1:
      return `00${helper.padHex(B)}`;
    case 2:
      return B.toString(16).toUpperCase();
    case 3:
      return B.add(N).toString(16);
    default:
      return B.toString(16);
  }
}
function secretBlock(rng) {
  return rng.bytes(1 + rng.int(1200)).toString('base64');
}
// A time between 1970 and 2106, whole seconds.
function instant(rng) {
  return rng.bytes(4).readUInt32BE() * 1000;
}
function instantWide(rng) {
  const hi = rng.int(0x1b); // up to ~2199
  return (hi * 2 ** 32 + rng.bytes(4).readUInt32BE()) * 1000;
}

// ---------- running the reference client ----------
function fakePool(poolId) {
  return new CognitoUserPool({ UserPoolId: poolId, ClientId: 'vectorclient1234567890abcd' });
}

// Runs CognitoUser.authenticateUser (USER_SRP_AUTH) with the transport stubbed. Resolves to what the
// library sent: InitiateAuth's AuthParameters and RespondToAuthChallenge's ChallengeResponses.
function runUserSrp(c) {
  return new Promise((resolve, reject) => {
    const pool = fakePool(`us-east-1_${c.poolName}`);
    const sent = {};
    pool.client = {
      request(operation, params, callback) {
        if (operation === 'InitiateAuth') {
          sent.authParameters = params.AuthParameters;
          callback(null, {
            ChallengeName: 'PASSWORD_VERIFIER',
            Session: 'vector-session',
            ChallengeParameters: {
              SALT: c.salt,
              SECRET_BLOCK: c.secretBlock,
              SRP_B: c.srpB,
              USERNAME: c.userIdForSrp,
              USER_ID_FOR_SRP: c.userIdForSrp,
            },
          });
        } else if (operation === 'RespondToAuthChallenge') {
          sent.challengeResponses = params.ChallengeResponses;
          resolve(sent);
          callback({ code: 'VectorStop', message: 'stop' }, null);
        } else {
          reject(new Error(`unexpected operation ${operation}`));
        }
      },
    };
    const user = new CognitoUser({ Username: c.username, Pool: pool });
    user.setAuthenticationFlowType('USER_SRP_AUTH');
    user.authenticateUser(new AuthenticationDetails({ Username: c.username, Password: c.password }), {
      onSuccess: () => reject(new Error('unexpected success')),
      onFailure: (err) => {
        if (err.code !== 'VectorStop') reject(err);
      },
    });
  });
}

// Runs CognitoUser.getDeviceResponse (DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER).
function runDeviceSrp(c) {
  return new Promise((resolve, reject) => {
    const pool = fakePool('eu-west-1_DevicePool1');
    const sent = {};
    pool.client = {
      request(operation, params, callback) {
        if (operation !== 'RespondToAuthChallenge') {
          reject(new Error(`unexpected operation ${operation}`));
          return;
        }
        if (params.ChallengeName === 'DEVICE_SRP_AUTH') {
          sent.deviceSrpAuth = params.ChallengeResponses;
          callback(null, {
            ChallengeName: 'DEVICE_PASSWORD_VERIFIER',
            Session: 'vector-session-2',
            ChallengeParameters: {
              SALT: c.salt,
              SECRET_BLOCK: c.secretBlock,
              SRP_B: c.srpB,
              USERNAME: c.username,
            },
          });
        } else {
          sent.challengeResponses = params.ChallengeResponses;
          resolve(sent);
          callback({ code: 'VectorStop', message: 'stop' }, null);
        }
      },
    };
    const user = new CognitoUser({ Username: c.username, Pool: pool });
    user.deviceKey = c.deviceKey;
    user.deviceGroupKey = c.deviceGroupKey;
    user.randomPassword = c.devicePassword;
    user.Session = 'vector-session-1';
    user.getDeviceResponse({
      onSuccess: () => reject(new Error('unexpected success')),
      onFailure: (err) => {
        if (err.code !== 'VectorStop') reject(err);
      },
    });
  });
}

function srpInputs(rng, i, kind) {
  const c = {};
  if (kind === 'user') {
    c.poolName = poolName(rng, i);
    c.userIdForSrp = userIdForSrp(rng, i);
    c.username = i % 3 === 0 ? c.userIdForSrp : `typed-${alnum(rng, 5)}@example.com`;
    c.password = password(rng, i);
  } else {
    c.deviceGroupKey = `-${alnum(rng, 8)}`;
    c.deviceKey = `eu-west-1_${uuid(rng)}`;
    c.username = userIdForSrp(rng, i);
    c.devicePassword = rng.bytes(40).toString('base64');
  }
  c.a = smallA(rng, i).toString('hex');
  c.salt = saltHex(rng, i);
  c.srpB = serverB(rng, i);
  c.secretBlock = secretBlock(rng);
  c.nowMillis = instant(rng);
  return c;
}

async function srpCase(c, kind, label) {
  fixedNow = c.nowMillis;
  spy = {};
  queueRandom(Buffer.from(c.a, 'hex'));
  const sent = kind === 'user' ? await runUserSrp(c) : await runDeviceSrp(c);
  assertQueueEmpty(label);
  const out = {
    label,
    inputs: c,
    A: kind === 'user' ? sent.authParameters.SRP_A : sent.deviceSrpAuth.SRP_A,
    u: spy.u,
    x: spy.x,
    S: spy.S,
    key: spy.key,
    timestamp: sent.challengeResponses.TIMESTAMP,
    signature: sent.challengeResponses.PASSWORD_CLAIM_SIGNATURE,
    challengeResponses: sent.challengeResponses,
  };
  if (kind === 'user') out.authParameters = sent.authParameters;
  else out.deviceSrpAuth = sent.deviceSrpAuth;
  for (const k of ['A', 'u', 'x', 'S', 'key', 'signature']) {
    if (typeof out[k] !== 'string' || out[k].length === 0) throw new Error(`${label}: no ${k} recorded`);
  }
  return out;
}

function deviceVerifierCase(rng, i) {
  const deviceGroupKey = `-${alnum(rng, 8 + rng.int(4))}`;
  const deviceKey = `us-east-2_${uuid(rng)}`;
  const passwordBytes = rng.bytes(40);
  const saltBytes = rng.bytes(16);
  if (i % 4 === 0) saltBytes[0] |= 0x80; // padHex gains 00
  if (i % 4 === 1) saltBytes.fill(0, 0, 1 + rng.int(3)); // leading zeros vanish
  queueRandom(Buffer.alloc(128, 1));
  const h = new AuthenticationHelper(deviceGroupKey);
  // generateRandomSmallA ran in the constructor; queue what generateHashDevice draws next.
  queueRandom(Buffer.concat([passwordBytes, saltBytes]));
  return new Promise((resolve, reject) => {
    h.generateHashDevice(deviceGroupKey, deviceKey, (err) => {
      if (err) return reject(err);
      assertQueueEmpty(`device verifier case ${i}`);
      resolve({
        label: `device-verifier-${i}`,
        inputs: {
          deviceGroupKey,
          deviceKey,
          passwordBytes: passwordBytes.toString('hex'),
          saltBytes: saltBytes.toString('hex'),
        },
        randomPassword: h.getRandomPassword(),
        saltPadHex: h.getSaltDevices(),
        verifierPadHex: h.getVerifierDevices(),
        // What CognitoUser sends in ConfirmDevice.DeviceSecretVerifierConfig.
        deviceSecretVerifierConfig: {
          Salt: Buffer.from(h.getSaltDevices(), 'hex').toString('base64'),
          PasswordVerifier: Buffer.from(h.getVerifierDevices(), 'hex').toString('base64'),
        },
      });
    });
  });
}

// SECRET_HASH: neither reference client supports client secrets, so these come from Node's own
// HMAC (an independent implementation) with the formula of the service's documentation.
function secretHashCase(rng, i) {
  const clientSecret = i === 0 ? 'secret' : alnum(rng, 51);
  const username = i === 0 ? 'alice' : i % 2 ? unicodeText(rng, 3 + rng.int(20)) : uuid(rng);
  const clientId = i === 0 ? 'clientid123' : alnum(rng, 26).toLowerCase();
  const secretHash = createHmac('sha256', Buffer.from(clientSecret, 'utf8'))
    .update(Buffer.from(username + clientId, 'utf8'))
    .digest('base64');
  return { label: `secret-hash-${i}`, clientSecret, username, clientId, secretHash };
}

function timestampCase(millis, label) {
  fixedNow = millis;
  return { label, unixSeconds: Math.floor(millis / 1000), timestamp: new DateHelper().getNowString() };
}

function timestampCases(rng) {
  const cases = [];
  // Every day of 2026 at a changing hour (covers each month, weekday, day 1-31, hours 0 and 23).
  const start = RealDate.UTC(2026, 0, 1);
  for (let d = 0; d < 365; d++) {
    const hour = d % 24;
    const millis = start + d * 86400000 + hour * 3600000 + (d % 60) * 60000 + ((d * 7) % 60) * 1000;
    cases.push(timestampCase(millis, `day-${d}`));
  }
  // Edges: the epoch, just before midnight, leap days, year boundaries, far future.
  const edges = [
    0,
    RealDate.UTC(1999, 11, 31, 23, 59, 59),
    RealDate.UTC(2000, 1, 29, 0, 0, 0),
    RealDate.UTC(2024, 1, 29, 12, 30, 5),
    RealDate.UTC(2100, 2, 1, 0, 0, 0),
    RealDate.UTC(2038, 0, 19, 3, 14, 8),
    RealDate.UTC(2026, 10, 22, 4, 3, 33),
    RealDate.UTC(2199, 11, 31, 23, 59, 59),
  ];
  edges.forEach((m, i) => cases.push(timestampCase(m, `edge-${i}`)));
  for (let i = 0; i < 100; i++) cases.push(timestampCase(instantWide(rng), `random-${i}`));
  return cases;
}

// ---------- main ----------
const files = {};
const header = (what) => ({
  generatedBy: 'tests/vectors/generate.mjs',
  reference: what,
});

{
  const rng = new Stream('user-srp');
  const cases = [];
  // The worked example of PROTOCOL.md (a tiny `a`, for testing only), checked below.
  const protocolExample = await srpCase(
    {
      poolName: 'AbCdEf123',
      userIdForSrp: 'alice',
      username: 'alice',
      password: 'Passw0rd!',
      a: Buffer.concat([Buffer.alloc(126), Buffer.from([0x30, 0x39])]).toString('hex'),
      salt: 'abcdef0123456789',
      srpB: '1234567',
      secretBlock: 'AAECAwQFBgcICQ==',
      nowMillis: RealDate.UTC(2026, 10, 22, 4, 3, 33),
    },
    'user',
    'protocol-md-example',
  );
  if (
    protocolExample.key !== 'a8a8cd941a83e7f030492a63687f33a2' ||
    protocolExample.signature !== 'rfditG4R+QsEYUtuhQwu+gT/LHAPoKrWSJoljhrkWbo=' ||
    protocolExample.timestamp !== 'Sun Nov 22 04:03:33 UTC 2026'
  ) {
    throw new Error('the reference library disagrees with the worked example in PROTOCOL.md');
  }
  cases.push(protocolExample);
  for (let i = 0; i < 120; i++) cases.push(await srpCase(srpInputs(rng, i, 'user'), 'user', `user-srp-${i}`));
  // Hashes that start with a zero byte: padHex of u and x then loses that byte (and may gain a 00
  // for the next one). The inputs are searched for here; the outputs still come from the library.
  const sha = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
  const padBytes = (hexInt) => Buffer.from(helper.padHex(new BigInteger(hexInt, 16)), 'hex');
  // Even k: the byte after the zero is below 0x80, so padHex is one byte shorter than the hash; odd
  // k: it is 0x80 or more, so padHex puts a 00 back.
  const wanted = (hash, k) => hash[0] === 0 && (k % 2 === 0 ? hash[1] < 0x80 : hash[1] >= 0x80);
  for (let k = 0; k < 3; k++) {
    const c = srpInputs(rng, 200 + k, 'user');
    const inner = sha(Buffer.from(`${c.poolName}${c.userIdForSrp}:${c.password}`, 'utf8'));
    do c.salt = rng.bytes(16).toString('hex');
    while (!wanted(sha(padBytes(c.salt), inner), k));
    cases.push(await srpCase(c, 'user', `x-leading-zero-${k}`));
  }
  for (let k = 0; k < 3; k++) {
    const c = srpInputs(rng, 300 + k, 'user');
    let A;
    g.modPow(new BigInteger(c.a, 16), N, (err, value) => {
      if (err) throw err;
      A = value;
    });
    const base = new BigInteger(c.srpB, 16).mod(N);
    for (let j = 0; ; j++) {
      const candidate = base.add(N.multiply(new BigInteger(j.toString(16), 16)));
      if (wanted(sha(Buffer.from(helper.padHex(A), 'hex'), Buffer.from(helper.padHex(candidate), 'hex')), k)) {
        c.srpB = candidate.toString(16);
        break;
      }
    }
    cases.push(await srpCase(c, 'user', `u-leading-zero-${k}`));
  }
  files['srp_user.json'] = { ...header(`amazon-cognito-identity-js ${pkgVersion}`), cases };
}
{
  const rng = new Stream('device-srp');
  const cases = [];
  for (let i = 0; i < 30; i++) {
    cases.push(await srpCase(srpInputs(rng, i, 'device'), 'device', `device-srp-${i}`));
  }
  files['srp_device.json'] = { ...header(`amazon-cognito-identity-js ${pkgVersion}`), cases };
}
{
  const rng = new Stream('device-verifier');
  const cases = [];
  for (let i = 0; i < 30; i++) cases.push(await deviceVerifierCase(rng, i));
  files['device_verifier.json'] = { ...header(`amazon-cognito-identity-js ${pkgVersion}`), cases };
}
{
  const rng = new Stream('secret-hash');
  const cases = [];
  for (let i = 0; i < 40; i++) cases.push(secretHashCase(rng, i));
  files['secret_hash.json'] = { ...header('node:crypto HMAC-SHA256'), cases };
}
{
  const rng = new Stream('timestamp');
  files['timestamp.json'] = {
    ...header(`amazon-cognito-identity-js ${pkgVersion} DateHelper`),
    cases: timestampCases(rng),
  };
}

let failed = false;
for (const [name, content] of Object.entries(files)) {
  const path = join(here, name);
  const text = `${JSON.stringify(content, null, 1)}\n`;
  if (check) {
    let old = '';
    try {
      old = readFileSync(path, 'utf8');
    } catch {
      old = '';
    }
    if (old !== text) {
      console.error(`vectors: ${name} differs from what the reference library produces now`);
      failed = true;
    } else {
      console.log(`vectors: ${name} reproduced (${content.cases.length} cases)`);
    }
  } else {
    writeFileSync(path, text);
    console.log(`vectors: wrote ${name} (${content.cases.length} cases)`);
  }
}
process.exit(failed ? 1 : 0);
