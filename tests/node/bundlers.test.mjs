// The package bundled into an app by esbuild, Vite, webpack 5 and Rollup, each loaded in headless
// Chromium from a loopback server and signing in to the emulator.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from './emulator.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(root, 'tools/package.json'));
const { chromium } = require('playwright-core');
const out = join(root, 'target/consumer');
let emulator;
let browser;

before(async () => {
  emulator = await startEmulator();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await rm(out, { recursive: true, force: true });
  // The app imports 'cognito-kit' by name: give it a node_modules with the built package.
  await mkdir(join(out, 'app/node_modules'), { recursive: true });
  await cp(join(root, 'pkg'), join(out, 'app/node_modules/cognito-kit'), { recursive: true });
  await cp(join(root, 'tests/consumer/app.js'), join(out, 'app/app.js'));
  await writeFile(join(out, 'app/index.html'), '<!doctype html><meta charset="utf-8"><title>app</title><script type="module" src="./app.js"></script>');
});
after(async () => {
  await browser?.close();
  emulator?.stop();
});

async function serveAndRun(dir, entryHtml = 'index.html') {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer(async (req, res) => {
    const path = normalize(new URL(req.url, 'http://x').pathname);
    try {
      const body = await readFile(join(dir, path === '/' ? entryHtml : path));
      res.writeHead(200, { 'content-type': types[extname(path === '/' ? entryHtml : path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const tab = await browser.newPage();
    const errors = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(`http://127.0.0.1:${server.address().port}/?endpoint=${encodeURIComponent(emulator.url)}`);
    const result = await tab.waitForFunction(() => window.__result, null, { timeout: 30000 }).then((h) => h.jsonValue());
    assert.deepEqual(errors, []);
    return result;
  } finally {
    server.close();
  }
}

function check(result) {
  assert.deepEqual(result.wrong, { isCognitoError: true, code: 'NotAuthorizedException' });
  assert.deepEqual(result.signIn, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal(result.email, 'alice@example.com');
}

test('esbuild bundles the package into an app that signs in', async () => {
  const { build } = require('esbuild');
  const dist = join(out, 'esbuild');
  await build({
    absWorkingDir: join(out, 'app'),
    entryPoints: ['app.js'],
    bundle: true,
    format: 'esm',
    minify: true,
    outdir: dist,
    logLevel: 'silent',
  });
  // esbuild keeps `new URL('./cognito_kit_bg.wasm', import.meta.url)`: ship the wasm beside the bundle.
  await cp(join(out, 'app/node_modules/cognito-kit/cognito_kit_bg.wasm'), join(dist, 'cognito_kit_bg.wasm'));
  await cp(join(out, 'app/index.html'), join(dist, 'index.html'));
  check(await serveAndRun(dist));
});

test('Vite builds an app with the package that signs in', async () => {
  const { build } = await import(require.resolve('vite'));
  const dist = join(out, 'vite');
  await build({
    root: join(out, 'app'),
    logLevel: 'silent',
    configFile: false,
    build: { outDir: dist, emptyOutDir: true, target: 'es2022' },
  });
  check(await serveAndRun(dist));
});

test('webpack 5 bundles the package into an app that signs in', async () => {
  const webpack = require('webpack');
  const dist = join(out, 'webpack');
  const stats = await new Promise((resolve, reject) =>
    webpack(
      {
        mode: 'production',
        context: join(out, 'app'),
        entry: './app.js',
        output: { path: dist, filename: 'app.js', module: true, chunkFormat: 'module', publicPath: 'auto' },
        experiments: { outputModule: true, topLevelAwait: true },
        target: 'web',
        performance: { hints: false },
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    ),
  );
  assert.equal(stats.hasErrors(), false, stats.toString('errors-only'));
  await writeFile(join(dist, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./app.js"></script>');
  check(await serveAndRun(dist));
});

test('Rollup bundles the package into an app that signs in', async () => {
  const { rollup } = require('rollup');
  const { nodeResolve } = require('@rollup/plugin-node-resolve');
  const dist = join(out, 'rollup');
  const bundle = await rollup({ input: join(out, 'app/app.js'), plugins: [nodeResolve({ browser: true })], logLevel: 'silent' });
  await bundle.write({ dir: dist, format: 'es' });
  await bundle.close();
  // Like esbuild, Rollup keeps `new URL('./cognito_kit_bg.wasm', import.meta.url)`: ship the wasm beside it.
  await cp(join(out, 'app/node_modules/cognito-kit/cognito_kit_bg.wasm'), join(dist, 'cognito_kit_bg.wasm'));
  await writeFile(join(dist, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./app.js"></script>');
  check(await serveAndRun(dist));
});
