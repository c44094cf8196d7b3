// Bundle sizes of what a browser downloads: the kit's package (wasm + JS, every feature it has) and,
// bundled by esbuild (minified ESM for browsers), Amplify v6 Auth with the same features, and
// sign-in + session alone with amazon-cognito-identity-js and with Amplify v6. Prints raw, gzip -9
// and brotli (quality 11) bytes.
//
//   node bench/size.mjs [--pkg DIR] [--js ENTRY] [--kit-only] [--budget BYTES]
// --pkg measures another build of the package and --js bundles ENTRY (a module inside it) instead of
// the package's entry (bench/architecture.sh uses both); --kit-only leaves out the reference
// libraries; --budget fails (exit 1) when the kit's brotli total is above BYTES (`make test`).
import { createRequire } from 'node:module';
import { readFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { amplifyFeaturesApp } from './amplify-features.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'tools/package.json'));
const { build } = require('esbuild');
const out = join(root, 'target/bench/size');
mkdirSync(out, { recursive: true });

const sizes = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

// The same job for each library: sign in with SRP, then read the session (refreshing if needed).
const apps = {
  'amplify-v6, the kit\'s features': amplifyFeaturesApp,
  'amazon-cognito-identity-js, sign-in + session': `
    import { CognitoUserPool, CognitoUser, AuthenticationDetails } from 'amazon-cognito-identity-js';
    const pool = new CognitoUserPool({ UserPoolId: 'us-east-1_AbCdEf123', ClientId: 'client' });
    export function signIn(Username, Password) {
      const user = new CognitoUser({ Username, Pool: pool });
      return new Promise((onSuccess, onFailure) =>
        user.authenticateUser(new AuthenticationDetails({ Username, Password }), { onSuccess, onFailure }));
    }
    export function session() {
      const user = pool.getCurrentUser();
      return new Promise((resolve, reject) => user.getSession((e, s) => (e ? reject(e) : resolve(s))));
    }`,
  'amplify-v6, sign-in + session': `
    import { Amplify } from 'aws-amplify';
    import { signIn, fetchAuthSession } from 'aws-amplify/auth';
    Amplify.configure({ Auth: { Cognito: { userPoolId: 'us-east-1_AbCdEf123', userPoolClientId: 'client' } } });
    export { signIn, fetchAuthSession };`,
};

const args = process.argv.slice(2);
const pkgAt = args.indexOf('--pkg');
const pkgDir = pkgAt >= 0 ? args[pkgAt + 1] : join(root, 'pkg');
const kitOnly = args.includes('--kit-only');
const jsAt = args.indexOf('--js');
const budgetAt = args.indexOf('--budget');
const budget = budgetAt >= 0 ? Number(args[budgetAt + 1]) : undefined;
if (budget !== undefined && !(budget > 0)) throw new Error('--budget takes a number of bytes');
// What an app imports: the entry (the wasm's loader, the JS client and the error class).
const jsEntry = jsAt >= 0 ? args[jsAt + 1] : join(pkgDir, 'index.js');

const rows = [];
if (existsSync(join(pkgDir, 'cognito_kit_bg.wasm'))) {
  const wasm = readFileSync(join(pkgDir, 'cognito_kit_bg.wasm'));
  const js = readFileSync(jsEntry);
  const minified = await build({ entryPoints: [jsEntry], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  const jsMin = Buffer.from(minified.outputFiles[0].contents);
  const w = sizes(wasm), j = sizes(jsMin);
  rows.push(['cognito-kit (wasm + JS, minified)', { raw: w.raw + j.raw, gzip: w.gzip + j.gzip, brotli: w.brotli + j.brotli }]);
  rows.push(['  of which wasm', w]);
  rows.push([`  of which JS (${jsEntry.slice(pkgDir.length + 1)} and its imports)`, j]);
} else {
  console.log('(pkg/ not built: run make pkg for the kit\'s line)');
}
for (const [name, source] of kitOnly ? [] : Object.entries(apps)) {
  const file = join(out, `${name.replace(/\W+/g, '_')}.mjs`);
  writeFileSync(file, source);
  const result = await build({
    entryPoints: [file], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false,
    nodePaths: [join(root, 'tools/node_modules')], define: { global: 'globalThis' }, logLevel: 'silent',
  });
  rows.push([name, sizes(Buffer.from(result.outputFiles[0].contents))]);
}
console.log('bundle sizes (bytes)                               raw      gzip -9    brotli');
for (const [name, s] of rows) {
  console.log(`${name.padEnd(46)} ${String(s.raw).padStart(9)} ${String(s.gzip).padStart(10)} ${String(s.brotli).padStart(9)}`);
}
if (budget !== undefined) {
  const kit = rows.find(([name]) => name.startsWith('cognito-kit'));
  if (!kit) {
    console.error('size budget: pkg/ is not built, nothing to measure');
    process.exit(1);
  }
  const over = kit[1].brotli - budget;
  console.log(`size budget: the package is ${kit[1].brotli} B brotli, the budget ${budget} B`);
  if (over > 0) {
    console.error(`size budget exceeded by ${over} B: make the package smaller (or, for a feature that pays, raise the budget in scripts/test.sh)`);
    process.exit(1);
  }
}
