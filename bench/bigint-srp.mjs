// A straightforward client SRP (Cognito's variant) on JavaScript's native BigInt, with a 5-bit
// sliding window and WebCrypto hashing: the "thirty lines of JS BigInt" the kit has to beat.
const N_HEX =
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
  'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
  '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
  '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
  'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
  'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF';
const N = BigInt(`0x${N_HEX}`);
const g = 2n;

export function modPow(base, exponent, modulus) {
  base %= modulus;
  if (base < 0n) base += modulus;
  const b2 = (base * base) % modulus;
  const odd = [base];
  for (let i = 1; i < 16; i++) odd.push((odd[i - 1] * b2) % modulus);
  const bits = exponent.toString(2);
  let result = 1n;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === '0') {
      result = (result * result) % modulus;
      i++;
      continue;
    }
    let j = Math.min(i + 5, bits.length);
    while (bits[j - 1] === '0') j--;
    for (let t = i; t < j; t++) result = (result * result) % modulus;
    result = (result * odd[(parseInt(bits.slice(i, j), 2) - 1) >> 1]) % modulus;
    i = j;
  }
  return result;
}

const padHex = (n) => {
  let h = n.toString(16);
  if (h.length % 2) h = `0${h}`;
  return /^[89a-f]/.test(h) ? `00${h}` : h;
};
const hexBytes = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const bytesHex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const utf8 = (s) => new TextEncoder().encode(s);
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
const hmac = async (key, data) => {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
};
let kHash;

/** Phase A: a from 128 random bytes (or the given ones), A = g^a mod N. */
export function bigintPhaseA(aBytes = crypto.getRandomValues(new Uint8Array(128))) {
  const a = BigInt(`0x${bytesHex(aBytes)}`);
  return { a, A: modPow(g, a, N) };
}

/** Phase key: from the challenge to PASSWORD_CLAIM_SIGNATURE (base64). */
export async function bigintPhaseKey({ a, A }, { poolName, userId, password, srpB, salt, secretBlock, timestamp }) {
  kHash ??= BigInt(`0x${bytesHex(await sha256(hexBytes(padHex(N) + padHex(g))))}`);
  const B = BigInt(`0x${srpB}`);
  if (B % N === 0n) throw new Error('B mod N is zero');
  const u = BigInt(`0x${bytesHex(await sha256(hexBytes(padHex(A) + padHex(B))))}`);
  const inner = await sha256(utf8(`${poolName}${userId}:${password}`));
  const x = BigInt(`0x${bytesHex(await sha256(concat(hexBytes(padHex(BigInt(`0x${salt}`))), inner)))}`);
  const base = (B - kHash * modPow(g, x, N)) % N;
  const S = modPow(base, a + u * x, N);
  const prk = await hmac(hexBytes(padHex(u)), hexBytes(padHex(S)));
  const key = (await hmac(prk, concat(utf8('Caldera Derived Key'), new Uint8Array([1])))).slice(0, 16);
  const block = Uint8Array.from(atob(secretBlock), (c) => c.charCodeAt(0));
  const sig = await hmac(key, concat(utf8(poolName), utf8(userId), block, utf8(timestamp)));
  return btoa(String.fromCharCode(...sig));
}
