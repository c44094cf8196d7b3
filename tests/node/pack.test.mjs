// `npm pack --dry-run` of the built package lists exactly the intended files.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
