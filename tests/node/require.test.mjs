// The package from CommonJS: Node >= 20.19 / 22.12 can require() the ESM Node entry (no top-level
// await in it), so `require('cognito-kit')` works there.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

test('require("cognito-kit") gives the same API', () => {
  const dir = join(root, 'target/consumer/cjs');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  cpSync(join(root, 'pkg'), join(dir, 'node_modules/cognito-kit'), { recursive: true });
  const script = "const k = require('cognito-kit'); console.log(JSON.stringify({ keys: Object.keys(k).sort(), hash: k.secretHash('secret', 'alice', 'clientid123') }))";
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' }));
  assert.deepEqual(out.keys, ['CognitoAuth', 'CognitoError', 'SrpClient', 'cognitoTimestamp', 'secretHash', 'version']);
  assert.equal(out.hash, 'ECMUd7EnwpPi9HVORWg6aq0tZEcDp3ZUfDpkK6LhsMs=');
});

test('import("cognito-kit/lazy") in Node is ready at once, with the same API and `ready`', () => {
  const dir = join(root, 'target/consumer/lazy');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  cpSync(join(root, 'pkg'), join(dir, 'node_modules/cognito-kit'), { recursive: true });
  const script = "import('cognito-kit/lazy').then(async (k) => { await k.ready; console.log(JSON.stringify({ keys: Object.keys(k).sort(), hash: k.secretHash('secret', 'alice', 'clientid123') })) })";
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' }));
  assert.deepEqual(out.keys, ['CognitoAuth', 'CognitoError', 'SrpClient', 'cognitoTimestamp', 'ready', 'secretHash', 'version']);
  assert.equal(out.hash, 'ECMUd7EnwpPi9HVORWg6aq0tZEcDp3ZUfDpkK6LhsMs=');
});
