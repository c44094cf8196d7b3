// The package's SRP facade and helpers (SrpClient, secretHash, cognitoTimestamp) through its own
// loader (pkg-template/cognito_kit.js over src/js/package.rs): known answers, randomness from
// crypto.getRandomValues, errors as CognitoError objects with a code, and handles that are freed.
import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadKit } from './emulator.mjs';

let kit;
before(async () => {
  kit = await loadKit();
});

const params = (b) => ({ SRP_B: b, SALT: 'abcdef0123456789', SECRET_BLOCK: 'AAECAwQFBgcICQ==', USER_ID_FOR_SRP: 'alice' });
const smallA = () => {
  const a = new Uint8Array(128);
  a[126] = 0x30;
  a[127] = 0x39;
  return a;
};

test('a fresh a for every client, from crypto.getRandomValues', () => {
  const [a, b] = [new kit.SrpClient(), new kit.SrpClient()];
  assert.notEqual(a.srpA, b.srpA, 'two sign-in attempts never share a');
  assert.ok(a.srpA.length > 700, 'A is a 3072-bit number');
  assert.match(a.srpA, /^[1-9a-f][0-9a-f]*$/);
  a.free();
  b.free();
});

test('the worked example, and SECRET_HASH against HMAC-SHA256 computed here', () => {
  const random = smallA();
  const client = new kit.SrpClient(random);
  assert.deepEqual(random, smallA(), 'the caller\'s bytes are copied, not zeroed');
  const answer = client.answerPasswordVerifier('AbCdEf123', 'Passw0rd!', params('1234567'), 'Sun Nov 22 04:03:33 UTC 2026');
  assert.equal(answer.PASSWORD_CLAIM_SIGNATURE, 'rfditG4R+QsEYUtuhQwu+gT/LHAPoKrWSJoljhrkWbo=');
  assert.equal(answer.USERNAME, 'alice');
  assert.equal(answer.TIMESTAMP, 'Sun Nov 22 04:03:33 UTC 2026');
  assert.equal(answer.PASSWORD_CLAIM_SECRET_BLOCK, 'AAECAwQFBgcICQ==');
  // Without a timestamp: now, in the service's format.
  assert.match(client.answerPasswordVerifier('AbCdEf123', 'Passw0rd!', params('1234567')).TIMESTAMP, /^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d\d:\d\d:\d\d UTC \d{4}$/);
  const device = client.answerDevicePasswordVerifier('group', 'us-east-1_device', 'devicepw', { ...params('1234567'), USERNAME: 'alice' }, 'Sun Nov 22 04:03:33 UTC 2026');
  assert.equal(device.DEVICE_KEY, 'us-east-1_device');
  assert.equal(device.USERNAME, 'alice');
  assert.match(device.PASSWORD_CLAIM_SIGNATURE, /^[A-Za-z0-9+/]{43}=$/);
  assert.notEqual(device.PASSWORD_CLAIM_SIGNATURE, answer.PASSWORD_CLAIM_SIGNATURE);
  client.free();

  assert.equal(kit.secretHash('secret', 'alice', 'clientid123'), 'ECMUd7EnwpPi9HVORWg6aq0tZEcDp3ZUfDpkK6LhsMs=');
  const [secret, username, clientId] = ['s€cret', 'Zoë 👩‍💻', 'c'.repeat(100)];
  assert.equal(kit.secretHash(secret, username, clientId), createHmac('sha256', secret).update(username + clientId).digest('base64'));
  assert.equal(kit.cognitoTimestamp(0), 'Thu Jan 1 00:00:00 UTC 1970');
  assert.equal(kit.cognitoTimestamp(NaN), 'Thu Jan 1 00:00:00 UTC 1970', 'any number is a time, never a trap');
  assert.match(kit.version(), /^\d+\.\d+\.\d+/);
});

test('bad input is a CognitoError with a code, and a freed client says so', () => {
  const client = new kit.SrpClient();
  const cyclic = {};
  cyclic.self = cyclic;
  for (const [input, code] of [[params('zz'), 'InvalidHex'], [params('0'), 'UnsafeSrpValue'], [5, 'InvalidArgument'], [undefined, 'InvalidArgument'], [cyclic, 'InvalidArgument'], [{ SRP_B: 'ab' }, 'MissingField']]) {
    assert.throws(() => client.answerPasswordVerifier('P', 'pw', input), (e) => {
      assert.ok(e instanceof kit.CognitoError && e instanceof Error);
      assert.equal(e.code, code, e.message);
      assert.equal(e.name, code, 'name is the code, as for service errors');
      assert.equal(e.retryable, false);
      assert.ok(e.message.length > 0);
      return true;
    });
  }
  assert.throws(() => new kit.SrpClient([1, 2, 3, 4, 5]), (e) => e instanceof kit.CognitoError && e.code === 'InvalidArgument');
  client.free();
  client.free();
  assert.throws(() => client.srpA, (e) => e instanceof kit.CognitoError && e.code === 'InvalidState');
  assert.throws(() => client.answerPasswordVerifier('P', 'pw', params('1234567')), (e) => e.code === 'InvalidState');
});

test('app code that frees the client mid-call (a toJSON, the clock) gets InvalidState, never a wrong answer', () => {
  const client = new kit.SrpClient(smallA());
  const freeing = { ...params('1234567'), toJSON() { client.free(); return params('1234567'); } };
  assert.throws(() => client.answerPasswordVerifier('AbCdEf123', 'Passw0rd!', freeing, 'Sun Nov 22 04:03:33 UTC 2026'), (e) => e.code === 'InvalidState');
  const other = new kit.SrpClient(smallA());
  const realNow = Date.now;
  Date.now = () => {
    other.free();
    new kit.SrpClient().free(); // and the freed memory is reused at once
    return realNow();
  };
  try {
    assert.throws(() => other.answerPasswordVerifier('AbCdEf123', 'Passw0rd!', params('1234567')), (e) => e.code === 'InvalidState');
  } finally {
    Date.now = realNow;
  }
  const fresh = new kit.SrpClient(smallA());
  assert.equal(fresh.answerPasswordVerifier('AbCdEf123', 'Passw0rd!', params('1234567'), 'Sun Nov 22 04:03:33 UTC 2026').PASSWORD_CLAIM_SIGNATURE, 'rfditG4R+QsEYUtuhQwu+gT/LHAPoKrWSJoljhrkWbo=');
  fresh.free();
});

test('arguments that are not strings are refused by name, and a refused call leaves no secret in the wasm', async () => {
  const { exports } = await import('../../pkg/cognito_kit.js');
  const memoryHolds = (text) => Buffer.from(exports().memory.buffer).includes(Buffer.from(text));
  const client = new kit.SrpClient();
  const secret = 'Sup3rSecretPassw0rd-left-behind?';
  for (const [call, field] of [
    [() => client.answerPasswordVerifier('pool', undefined, params('1234567')), 'password'],
    [() => client.answerPasswordVerifier(5, secret, params('1234567')), 'poolName'],
    [() => client.answerPasswordVerifier('pool', secret, params('1234567'), Symbol('t')), 'timestamp'],
    [() => client.answerDevicePasswordVerifier('group', 'key', { toString: () => secret }, { ...params('1234567'), USERNAME: 'alice' }), 'devicePassword'],
    [() => kit.secretHash(secret, 'alice'), 'clientId'],
    [() => kit.secretHash(secret, Symbol('u'), 'c'), 'username'],
  ]) {
    assert.throws(call, (e) => e instanceof kit.CognitoError && e.code === 'InvalidArgument' && e.message.includes(`${field} is required (a string)`), field);
  }
  assert.equal(memoryHolds(secret), false, 'every argument was taken and zeroed');
  client.free();
});

test('a second load (two entries on one page) keeps the first instance and its live objects', async () => {
  const { initSync, exports } = await import('../../pkg/cognito_kit.js');
  const client = new kit.SrpClient(smallA());
  const before = exports();
  initSync(readFileSync(new URL('../../pkg/cognito_kit_bg.wasm', import.meta.url)));
  assert.equal(exports(), before);
  assert.equal(client.answerPasswordVerifier('AbCdEf123', 'Passw0rd!', params('1234567'), 'Sun Nov 22 04:03:33 UTC 2026').PASSWORD_CLAIM_SIGNATURE, 'rfditG4R+QsEYUtuhQwu+gT/LHAPoKrWSJoljhrkWbo=');
  client.free();
});
