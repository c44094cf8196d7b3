// `npm pack --dry-run` of the built package lists exactly the intended files, and its browser
// entries are single modules.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '../../pkg');

test('npm pack ships only the entries, the client, the wasm, its glue, types, README and package.json', () => {
  const [report] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: pkg, encoding: 'utf8' }));
  const files = report.files.map((f) => f.path).sort();
  assert.deepEqual(files, [
    'README.md',
    'client.d.ts',
    'client.js',
    'cognito_kit.d.ts',
    'cognito_kit.js',
    'cognito_kit_bg.wasm',
    'errors.js',
    'index.d.ts',
    'index.js',
    'lazy.d.ts',
    'lazy.js',
    'node-lazy.js',
    'node.js',
    'package.json',
  ]);
});

test('the browser entries are single modules: a plain page fetches the entry, then the wasm', async () => {
  const { build } = createRequire(join(pkg, '../tools/package.json'))('esbuild');
  for (const entry of ['index.js', 'lazy.js']) {
    // What a bundler reads, to follow every import: the entry alone.
    const { metafile } = await build({ entryPoints: [join(pkg, entry)], bundle: true, format: 'esm', write: false, metafile: true, logLevel: 'silent' });
    assert.equal(Object.keys(metafile.inputs).length, 1, `${entry} imports ${Object.keys(metafile.inputs).join(', ')}`);
  }
});
