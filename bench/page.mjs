// The SRP benchmark that runs inside headless Chromium (bundled by bench/run.mjs with esbuild).
// Times, interleaved in one page: the kit, amazon-cognito-identity-js, Amplify v6's SRP helper and a
// native-BigInt implementation, each split into phase A (before the first round trip) and phase key
// (between the server's reply and the answer). Each is first checked against a reference vector.
import init, { SrpClient } from '../pkg/cognito_kit.js';
import { AuthenticationHelper as AcijHelper } from 'amazon-cognito-identity-js';
import { Sha256 } from '@aws-crypto/sha256-js';
import { Buffer } from 'buffer';
import { getAuthenticationHelper, getSignatureString } from 'amplify-srp';
import AmplifyHelper from 'amplify-srp-helper';
import { calculateA as amplifyCalculateA } from 'amplify-srp-calculate';
import AmplifyBigInteger from 'amplify-srp-biginteger';
import { bigintPhaseA, bigintPhaseKey } from './bigint-srp.mjs';
import vectors from '../tests/vectors/srp_user.json';

const ROUNDS = Number(new URLSearchParams(location.search).get('rounds') ?? 15);
const WARMUP = Number(new URLSearchParams(location.search).get('warmup') ?? 2);
const vector = vectors.cases[10];
const input = vector.inputs;
const challenge = { SRP_B: input.srpB, SALT: input.salt, SECRET_BLOCK: input.secretBlock, USER_ID_FOR_SRP: input.userIdForSrp };
const aBytes = Uint8Array.from(input.a.match(/../g), (h) => parseInt(h, 16));
const userId = input.userIdForSrp;

function acijSignature(hkdf) {
  const data = Buffer.concat([
    Buffer.from(input.poolName, 'utf8'),
    Buffer.from(userId, 'utf8'),
    Buffer.from(input.secretBlock, 'base64'),
    Buffer.from(vector.timestamp, 'utf8'),
  ]);
  const h = new Sha256(hkdf);
  h.update(data);
  return Buffer.from(h.digestSync()).toString('base64');
}

function acijKey(helper) {
  const BigInteger = helper.N.constructor;
  return new Promise((resolve, reject) =>
    helper.getPasswordAuthenticationKey(
      userId,
      input.password,
      new BigInteger(input.srpB, 16),
      new BigInteger(input.salt, 16),
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

async function amplifyKeyAndSignature(helper) {
  const hkdf = await helper.getPasswordAuthenticationKey({
    username: userId,
    password: input.password,
    serverBValue: new AmplifyBigInteger(input.srpB, 16),
    salt: new AmplifyBigInteger(input.salt, 16),
  });
  return getSignatureString({
    userPoolName: input.poolName,
    username: userId,
    challengeParameters: { SECRET_BLOCK: input.secretBlock },
    dateNow: vector.timestamp,
    hkdf,
  });
}

// Each implementation: phaseA() → state (random a, as the library does it), phaseKey(state) →
// signature, and check() → the signature for the vector's own a (must equal the reference's).
const impls = {
  'cognito-kit': {
    phaseA: () => new SrpClient(),
    phaseKey: async (c) => c.answerPasswordVerifier(input.poolName, input.password, challenge, vector.timestamp).PASSWORD_CLAIM_SIGNATURE,
    check: async () => new SrpClient(aBytes).answerPasswordVerifier(input.poolName, input.password, challenge, vector.timestamp).PASSWORD_CLAIM_SIGNATURE,
  },
  'amazon-cognito-identity-js': {
    phaseA: () => new AcijHelper(input.poolName), // its constructor draws a and computes A
    phaseKey: async (h) => acijSignature(await acijKey(h)),
    check: async () => {
      const h = new AcijHelper(input.poolName);
      h.smallAValue = new (h.N.constructor)(input.a, 16);
      h.largeAValue = null;
      await new Promise((resolve) => h.getLargeAValue(resolve));
      return acijSignature(await acijKey(h));
    },
  },
  'amplify-v6': {
    phaseA: () => getAuthenticationHelper(input.poolName),
    phaseKey: (h) => amplifyKeyAndSignature(h),
    check: async () => {
      const N = (await getAuthenticationHelper(input.poolName)).N;
      const g = new AmplifyBigInteger('2', 16);
      const a = new AmplifyBigInteger(input.a, 16);
      const A = await amplifyCalculateA({ a, g, N });
      return amplifyKeyAndSignature(new AmplifyHelper({ userPoolName: input.poolName, a, g, A, N }));
    },
  },
  'js-bigint': {
    phaseA: () => bigintPhaseA(),
    phaseKey: (s) => bigintPhaseKey(s, { poolName: input.poolName, userId, password: input.password, srpB: input.srpB, salt: input.salt, secretBlock: input.secretBlock, timestamp: vector.timestamp }),
    check: () => bigintPhaseKey(bigintPhaseA(aBytes), { poolName: input.poolName, userId, password: input.password, srpB: input.srpB, salt: input.salt, secretBlock: input.secretBlock, timestamp: vector.timestamp }),
  },
};

async function main() {
  const t0 = performance.now();
  await init('/pkg/cognito_kit_bg.wasm');
  const wasmLoadMs = performance.now() - t0;
  // Of which the download (the rest is compiling and instantiating).
  const download = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'));
  const wasmFetchMs = download ? download.responseEnd - download.startTime : NaN;
  // The first sign-in computation of a page, cold (nothing warmed yet): phase A, then the answer.
  const t1 = performance.now();
  const first = new SrpClient();
  const kitFirstUseMs = performance.now() - t1;
  first.answerPasswordVerifier(input.poolName, input.password, challenge, vector.timestamp);
  const kitFirstSignInMs = performance.now() - t1;
  first.free();

  const checks = {};
  for (const [name, impl] of Object.entries(impls)) {
    const sig = await impl.check();
    checks[name] = sig === vector.signature;
  }
  const samples = Object.fromEntries(Object.keys(impls).map((n) => [n, { a: [], key: [] }]));
  const names = Object.keys(impls);
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    // Rotate the order each round so that no implementation always runs first or last.
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      const impl = impls[name];
      const s = performance.now();
      const state = await impl.phaseA();
      const m = performance.now();
      const sig = await impl.phaseKey(state);
      const e = performance.now();
      if (typeof sig !== 'string' || sig.length !== 44) throw new Error(`${name} produced no signature`);
      if (round >= WARMUP) {
        samples[name].a.push(m - s);
        samples[name].key.push(e - m);
      }
    }
  }
  return { userAgent: navigator.userAgent, rounds: ROUNDS, warmup: WARMUP, wasmLoadMs, wasmFetchMs, kitFirstUseMs, kitFirstSignInMs, checks, samples };
}

window.__bench = main().then(
  (r) => ({ ok: true, ...r }),
  (e) => ({ ok: false, error: `${e?.stack ?? e}` }),
);
