// Runs the kit's wasm build in Node on a small known-answer example and on a reference vector,
// next to the reference client's own answer, and shows the time of one full client SRP in each.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kit = await import(join(root, 'pkg/cognito_kit.js'));
kit.initSync(readFileSync(join(root, 'pkg/cognito_kit_bg.wasm')));

const hexBytes = (hex) => Uint8Array.from(Buffer.from(hex, 'hex'));
const smallA = (n) => {
  const a = new Uint8Array(128);
  a[126] = n >> 8;
  a[127] = n & 0xff;
  return a;
};

console.log(`cognito-kit ${kit.version()} (wasm, ${readFileSync(join(root, 'pkg/cognito_kit_bg.wasm')).length} bytes)`);

// 1. A known answer with tiny values (a = 0x3039, B = 0x1234567; for testing only), the one the
//    vector generator checks against the reference library.
const client = new kit.SrpClient(smallA(0x3039));
const answer = client.answerPasswordVerifier(
  'AbCdEf123',
  'Passw0rd!',
  { SRP_B: '1234567', SALT: 'abcdef0123456789', SECRET_BLOCK: 'AAECAwQFBgcICQ==', USER_ID_FOR_SRP: 'alice' },
  'Sun Nov 22 04:03:33 UTC 2026',
);
const expected = 'rfditG4R+QsEYUtuhQwu+gT/LHAPoKrWSJoljhrkWbo=';
console.log(`known-answer example (a = 0x3039, B = 0x1234567): PASSWORD_CLAIM_SIGNATURE ${answer.PASSWORD_CLAIM_SIGNATURE} ${answer.PASSWORD_CLAIM_SIGNATURE === expected ? 'matches' : 'DIFFERS FROM'} the reference`);

// 2. A full-size case recorded from amazon-cognito-identity-js.
const vectors = JSON.parse(readFileSync(join(root, 'tests/vectors/srp_user.json'), 'utf8'));
const v = vectors.cases[10];
const started = performance.now();
const c2 = new kit.SrpClient(hexBytes(v.inputs.a));
const r2 = c2.answerPasswordVerifier(
  v.inputs.poolName,
  v.inputs.password,
  { SRP_B: v.inputs.srpB, SALT: v.inputs.salt, SECRET_BLOCK: v.inputs.secretBlock, USER_ID_FOR_SRP: v.inputs.userIdForSrp },
  v.timestamp,
);
const kitMs = performance.now() - started;
const same = JSON.stringify(Object.entries(r2).sort()) === JSON.stringify(Object.entries(v.challengeResponses).sort());
console.log(`vector ${v.label} (password ${JSON.stringify(v.inputs.password).slice(0, 24)}…): ChallengeResponses ${same ? 'identical to' : 'DIFFER FROM'} the reference client's`);

// 3. Errors are typed.
try {
  new kit.SrpClient(smallA(1)).answerPasswordVerifier('P', 'pw', { SRP_B: 'not hex', SALT: 'ab', SECRET_BLOCK: 'AAAA', USER_ID_FOR_SRP: 'u' });
} catch (e) {
  console.log(`a malformed SRP_B throws ${e.name} code=${e.code}: ${e.message}`);
}

// 4. One full client SRP (A, then the claim) in each library, in this Node process.
const require = createRequire(join(root, 'tools/package.json'));
let refMs = null;
try {
  const { AuthenticationHelper } = require('amazon-cognito-identity-js');
  const t0 = performance.now();
  const helper = new AuthenticationHelper(v.inputs.poolName);
  const BigInteger = helper.N.constructor;
  await new Promise((resolve, reject) =>
    helper.getPasswordAuthenticationKey(
      v.inputs.userIdForSrp,
      v.inputs.password,
      new BigInteger(v.inputs.srpB, 16),
      new BigInteger(v.inputs.salt, 16),
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
  refMs = performance.now() - t0;
} catch (e) {
  console.log(`(reference client not installed: ${e.message})`);
}
console.log(`one full client SRP: cognito-kit ${kitMs.toFixed(1)} ms` + (refMs ? `, amazon-cognito-identity-js ${refMs.toFixed(1)} ms (single run, not a benchmark)` : ''));
if (answer.PASSWORD_CLAIM_SIGNATURE !== expected || !same) process.exit(1);
