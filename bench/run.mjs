// `make bench`: builds the benchmark page, serves it on loopback, runs it in headless Chromium and
// prints medians, ranges and ratios; then the native Rust time (the bundle sizes are bench/size.mjs).
// `node bench/run.mjs --smoke` (run by `make test` so the script cannot rot): one round, no warm-up,
// no native run; it still fails when an implementation's signature is wrong. BENCH_ROUNDS=N sets
// the measured rounds.
import { createServer } from 'node:http';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { amplifyFeaturesApp } from './amplify-features.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, 'tools/node_modules');
const require = createRequire(join(root, 'tools/package.json'));
const { chromium } = require('playwright-core');
const { build } = require('esbuild');
const smoke = process.argv.includes('--smoke');
const rounds = smoke ? 1 : Number(process.env.BENCH_ROUNDS ?? 15);
const warmup = smoke ? 0 : 2;
const srp = join(tools, '@aws-amplify/auth/dist/esm/providers/cognito/utils/srp');

const out = join(root, 'target/bench');
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(root, 'bench/page.mjs')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  minify: true,
  outfile: join(out, 'bench.js'),
  nodePaths: [tools],
  // Amplify does not export its SRP helper; the benchmark reaches into its files directly.
  alias: {
    'amplify-srp': join(srp, 'index.mjs'),
    'amplify-srp-helper': join(srp, 'AuthenticationHelper/AuthenticationHelper.mjs'),
    'amplify-srp-calculate': join(srp, 'calculate/index.mjs'),
    'amplify-srp-biginteger': join(srp, 'BigInteger/BigInteger.mjs'),
  },
  define: { global: 'globalThis', 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
await writeFile(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/bench.js"></script>');
// A sign-in page as an app makes it: it imports the package's entry (which warms the SRP code at
// idle), the user takes a moment to type, then the first sign-in computation runs.
const vector = JSON.parse(await readFile(join(root, 'tests/vectors/srp_user.json'), 'utf8')).cases[10];
const typingMs = 1000;
await writeFile(join(out, 'first.html'), `<!doctype html><meta charset="utf-8"><title>first sign-in</title><script type="module">
const v = ${JSON.stringify({ poolName: vector.inputs.poolName, password: vector.inputs.password, timestamp: vector.timestamp,
    challenge: { SRP_B: vector.inputs.srpB, SALT: vector.inputs.salt, SECRET_BLOCK: vector.inputs.secretBlock, USER_ID_FOR_SRP: vector.inputs.userIdForSrp } })};
const t0 = performance.now();
const kit = await import('/pkg/index.js');
const loadMs = performance.now() - t0;
await new Promise((r) => setTimeout(r, ${typingMs}));
const t1 = performance.now();
const c = new kit.SrpClient();
const aMs = performance.now() - t1;
const sig = c.answerPasswordVerifier(v.poolName, v.password, v.challenge, v.timestamp).PASSWORD_CLAIM_SIGNATURE;
window.__first = { loadMs, aMs, fullMs: performance.now() - t1, ok: typeof sig === 'string' && sig.length === 44 };
</script>`);

// Amplify v6 with the kit's features, bundled as an app ships it, imported in a fresh page the same
// way: the cost of loading each library before the first sign-in, measured in the same run.
await writeFile(join(out, 'amplify-app.mjs'), amplifyFeaturesApp);
await build({
  entryPoints: [join(out, 'amplify-app.mjs')], bundle: true, format: 'esm', platform: 'browser', minify: true,
  outfile: join(out, 'amplify.js'), nodePaths: [tools], define: { global: 'globalThis' }, logLevel: 'warning',
});
await writeFile(join(out, 'first-amplify.html'), `<!doctype html><meta charset="utf-8"><title>amplify import</title><script type="module">
const t0 = performance.now();
const amplify = await import('/amplify.js');
window.__amplify = { loadMs: performance.now() - t0, ok: typeof amplify.signIn === 'function' };
</script>`);

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  const file = path.startsWith('/pkg/') ? join(root, path) : join(out, path === '/' ? 'index.html' : path);
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/?rounds=${rounds}&warmup=${warmup}`;

// Playwright gives the browser a fresh, empty profile of its own.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let result;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(url);
  result = await page.evaluate(() => window.__bench, { timeout: 0 });
  // Each page in its own context (an empty cache): nothing compiled by an earlier page is reused.
  const fresh = async (path, global) => {
    const context = await browser.newContext();
    const fresh = await context.newPage();
    fresh.on('pageerror', (e) => console.error('page error:', e.message));
    await fresh.goto(url.replace('/?', `/${path}?`));
    await fresh.waitForFunction((g) => window[g], global, { timeout: 60_000 });
    const value = await fresh.evaluate((g) => window[g], global);
    await context.close();
    return value;
  };
  // The two imports in the order kit, Amplify, Amplify, kit, so that neither always goes first;
  // each import time is the mean of its two. The first sign-in is the first kit page's.
  result.first = await fresh('first.html', '__first');
  const amplify = [await fresh('first-amplify.html', '__amplify'), await fresh('first-amplify.html', '__amplify')];
  const kitAgain = await fresh('first.html', '__first');
  result.kitImportMs = (result.first.loadMs + kitAgain.loadMs) / 2;
  result.amplify = { loadMs: (amplify[0].loadMs + amplify[1].loadMs) / 2, ok: amplify.every((a) => a.ok) };
} finally {
  await browser.close();
  server.close();
}
if (!result.ok) {
  console.error(result.error);
  process.exit(1);
}

const median = (v) => [...v].sort((p, q) => p - q)[v.length >> 1];
const fmt = (v) => v.toFixed(v < 10 ? 2 : 1);
const rows = {};
for (const [name, s] of Object.entries(result.samples)) {
  const full = s.a.map((x, i) => x + s.key[i]);
  rows[name] = { a: median(s.a), key: median(s.key), full: median(full), min: Math.min(...full), max: Math.max(...full) };
}
console.log(`SRP in ${result.userAgent.match(/(Headless)?Chrome\/[\d.]+/)?.[0] ?? result.userAgent}, ${result.rounds} interleaved rounds (+${result.warmup} warm-up), medians in ms`);
console.log(`kit: wasm load ${fmt(result.wasmLoadMs)} ms (of which the download ${fmt(result.wasmFetchMs)} ms); then, cold, first SrpClient (builds the g tables) ${fmt(result.kitFirstUseMs)} ms, first full client SRP ${fmt(result.kitFirstSignInMs)} ms`);
const first = result.first;
console.log(`kit through the package entry (fresh context, idle warm-up, ${typingMs} ms to type): load ${fmt(first.loadMs)} ms; first sign-in: SrpClient ${fmt(first.aMs)} ms, full client SRP ${fmt(first.fullMs)} ms${first.ok ? '' : ' (no signature!)'}`);
console.log(`import of the entry in a fresh page (fresh context, nothing cached; mean of two, order kit, Amplify, Amplify, kit): cognito-kit ${fmt(result.kitImportMs)} ms, Amplify v6 with the same features ${fmt(result.amplify.loadMs)} ms`);
console.log('implementation               check  phase A  phase key     full   full min–max');
for (const [name, r] of Object.entries(rows)) {
  console.log(`${name.padEnd(28)} ${(result.checks[name] ? 'ok' : 'FAIL').padEnd(5)} ${fmt(r.a).padStart(8)} ${fmt(r.key).padStart(10)} ${fmt(r.full).padStart(8)}   ${fmt(r.min)}–${fmt(r.max)}`);
}
const kit = rows['cognito-kit'];
console.log('\nratios (other ÷ cognito-kit; higher is better for the kit):');
for (const [name, r] of Object.entries(rows)) {
  if (name === 'cognito-kit') continue;
  console.log(`  vs ${name.padEnd(28)} full ${(r.full / kit.full).toFixed(1)}×   phase key ${(r.key / kit.key).toFixed(1)}×   phase A ${(r.a / kit.a).toFixed(1)}×`);
}

if (!smoke) {
  console.log('\nnative Rust (same code, this machine):');
  execFileSync('cargo', ['run', '--quiet', '--release', '--example', 'native_srp', '--', '30'], { cwd: root, stdio: 'inherit' });
}
if (!result.amplify.ok) {
  console.error('the Amplify v6 bundle did not load');
  process.exit(1);
}
if (!first.ok) {
  console.error('the first sign-in through the package entry produced no signature');
  process.exit(1);
}
if (Object.values(result.checks).some((ok) => !ok)) {
  console.error('a correctness check failed: see the table');
  process.exit(1);
}
