// The package from CommonJS: Node >= 20.19 / 22.12 can require() the ESM Node entry (no top-level
// await in it), so `require('cognito-kit')` works there.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs `script` with Node in a project that has the built package installed; its JSON output. */
function consumer(name, script) {
  const dir = join(root, 'target/consumer', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  cpSync(join(root, 'pkg'), join(dir, 'node_modules/cognito-kit'), { recursive: true });
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' }));
}

test('require("cognito-kit") gives the same API', () => {
  const out = consumer('cjs', "const k = require('cognito-kit'); console.log(JSON.stringify({ keys: Object.keys(k).sort(), hash: k.secretHash('secret', 'alice', 'clientid123') }))");
  assert.deepEqual(out.keys, ['CognitoAuth', 'CognitoError', 'SrpClient', 'cognitoTimestamp', 'secretHash', 'version']);
  assert.equal(out.hash, 'ECMUd7EnwpPi9HVORWg6aq0tZEcDp3ZUfDpkK6LhsMs=');
});

test('import("cognito-kit/lazy") in Node is ready at once, with the same API and `ready`', () => {
  const out = consumer('lazy', "import('cognito-kit/lazy').then(async (k) => { await k.ready; console.log(JSON.stringify({ keys: Object.keys(k).sort(), hash: k.secretHash('secret', 'alice', 'clientid123') })) })");
  assert.deepEqual(out.keys, ['CognitoAuth', 'CognitoError', 'SrpClient', 'cognitoTimestamp', 'ready', 'secretHash', 'version']);
  assert.equal(out.hash, 'ECMUd7EnwpPi9HVORWg6aq0tZEcDp3ZUfDpkK6LhsMs=');
});
