// The pages' QR encoder (www/qr.js) against an independent QR reader (jsQR): every version from 1 to
// 40, ASCII and multi-byte UTF-8, and otpauth URIs like the ones TOTP setup shows.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { qrMatrix, qrSvg } from '../../www/qr.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const jsQR = createRequire(join(root, 'tools/package.json'))('jsqr');

/** Renders the modules with a quiet zone, `scale` pixels per module, and reads them back. */
function read(matrix, scale = 3) {
  const n = (matrix.length + 8) * scale;
  const pixels = new Uint8ClampedArray(n * n * 4).fill(255);
  matrix.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) pixels.fill(0, (((y + 4) * scale + dy) * n + (x + 4) * scale + dx) * 4, (((y + 4) * scale + dy) * n + (x + 4) * scale + dx) * 4 + 3);
      }
    }),
  );
  return jsQR(pixels, n, n);
}

// Largest byte-mode payload of each version at level M (ISO/IEC 18004 table 7).
const CAPACITY_M = [0, 14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666, 711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331];

test('each version holds exactly its capacity, and reads back', () => {
  for (let version = 1; version <= 40; version++) {
    const text = Array.from({ length: CAPACITY_M[version] }, (_, i) => String.fromCharCode(33 + ((i * 7 + version) % 94))).join('');
    const matrix = qrMatrix(text);
    assert.equal(matrix.length, version * 4 + 17, `version ${version} for ${text.length} bytes`);
    if (version < 40) assert.equal(qrMatrix(`${text}x`).length, (version + 1) * 4 + 17, `one more byte needs version ${version + 1}`);
    const decoded = read(matrix);
    assert.ok(decoded, `version ${version} is readable`);
    assert.equal(decoded.data, text);
    assert.equal(decoded.version, version);
  }
  assert.throws(() => qrMatrix('x'.repeat(CAPACITY_M[40] + 1)), RangeError);
});

test('otpauth URIs and UTF-8 text read back exactly', () => {
  const cases = [
    'otpauth://totp/cognito-kit%20demo:dana%40example.com?secret=2M2EJEXNTWZANTSLBRJEAJOKPNTMUF5B&issuer=cognito-kit%20demo',
    `otpauth://totp/${encodeURIComponent('Ünïcødé Corp')}:${encodeURIComponent('żółw@example.com')}?secret=${'A'.repeat(52)}&issuer=x`,
    'é✓ 日本語 🔐',
    '',
  ];
  for (const text of cases) {
    const decoded = read(qrMatrix(text));
    assert.ok(decoded, `readable: ${text}`);
    assert.deepEqual(Buffer.from(decoded.binaryData), Buffer.from(text, 'utf8'));
  }
});

test('the SVG draws one square per dark module inside a quiet zone, with an accessible name', () => {
  const text = 'otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP&issuer=x';
  const matrix = qrMatrix(text);
  const svg = qrSvg(text, { label: 'Scan "this" <code>' });
  const dark = matrix.flat().filter(Boolean).length;
  assert.equal(svg.match(/h1v1h-1z/g).length, dark);
  assert.match(svg, new RegExp(`viewBox="0 0 ${matrix.length + 8} ${matrix.length + 8}"`));
  assert.match(svg, /role="img" aria-label="Scan &#34;this&#34; &#60;code&#62;"/);
});
