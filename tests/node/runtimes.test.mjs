// The package in Deno and Bun, as the npm README says it runs there: an app's project with the
// built package in node_modules, run by each runtime against the emulator. Both entries are used:
// `cognito-kit` as the runtime resolves it (its `node` condition: the WebAssembly read from disk)
// and the browser entry (`node_modules/cognito-kit/index.js` by path: the WebAssembly fetched from a
// file: URL). Each
// run signs in with SRP, reads and refreshes the session, gets a wrong password as a CognitoError,
// and signs out. The runtimes are the npm registry's own builds (tools/package.json).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startEmulator } from './emulator.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const tools = join(root, 'tools/node_modules');
const runtimes = {
  deno: { bin: join(tools, '@deno/linux-x64-glibc/deno'), args: (script) => ['run', '--allow-read', '--allow-net', '--allow-env', script] },
  bun: { bin: join(tools, '@oven/bun-linux-x64/bin/bun'), args: (script) => ['run', script] },
};
// The runtimes' npm builds are for this machine kind (Linux x64, glibc); elsewhere there is nothing to run.
const here = process.platform === 'linux' && process.arch === 'x64' && Boolean(process.report?.getReport().header.glibcVersionRuntime);

// What an app does; prints one JSON line. The entry and the endpoint come as arguments.
const app = `
const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const [entry, endpoint] = args;
const { CognitoAuth, CognitoError } = await import(entry);
const auth = new CognitoAuth({ userPoolId: 'us-east-1_DemoPool1', clientId: 'demopublicclient0000000001', endpoint, storage: 'memory' });
const out = { runtime: globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'other' };
const wrong = await auth.signIn({ username: 'alice@example.com', password: 'not-her-password' }).catch((e) => e);
out.wrong = { isCognitoError: wrong instanceof CognitoError, code: wrong.code };
const signedIn = await auth.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
out.signedIn = signedIn.isSignedIn;
out.step = signedIn.nextStep.signInStep;
const session = await auth.getSession();
// An email-as-username pool: the session's user is the internal name the ID token carries.
out.username = session.username === session.idTokenClaims['cognito:username'] && /^[0-9a-f-]{36}$/.test(session.username);
out.email = session.idTokenClaims.email;
const refreshed = await auth.refreshSession();
out.refreshed = refreshed.accessToken.split('.').length === 3 && refreshed.username === session.username;
await auth.signOut();
const after = await auth.getSession().catch((e) => e);
out.afterSignOut = after.code;
console.log(JSON.stringify(out));
`;

let emulator;
let project;
before(async () => {
  emulator = await startEmulator();
  project = join(root, 'target/consumer/runtimes');
  rmSync(project, { recursive: true, force: true });
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  cpSync(join(root, 'pkg'), join(project, 'node_modules/cognito-kit'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { 'cognito-kit': '*' } }));
  writeFileSync(join(project, 'app.mjs'), app);
});
after(() => emulator?.stop());

for (const [name, runtime] of Object.entries(runtimes)) {
  for (const entry of ['cognito-kit', './node_modules/cognito-kit/index.js']) {
    test(`${name}: ${entry} signs in, refreshes, reports a wrong password and signs out`, { skip: !here && 'no build of the runtime for this platform' }, async () => {
      assert.ok(existsSync(runtime.bin), `${runtime.bin} is missing: scripts/setup.sh node installs it`);
      const { stdout } = await promisify(execFile)(runtime.bin, [...runtime.args('app.mjs'), entry, emulator.url], {
        cwd: project,
        timeout: 60_000,
        // No cache or settings of the user's: a fresh runtime as CI has.
        env: { ...process.env, DENO_DIR: join(project, '.deno'), NO_COLOR: '1' },
      });
      const out = JSON.parse(stdout.trim().split('\n').pop());
      assert.deepEqual(out, {
        runtime: name,
        wrong: { isCognitoError: true, code: 'NotAuthorizedException' },
        signedIn: true,
        step: 'DONE',
        username: true,
        email: 'alice@example.com',
        refreshed: true,
        afterSignOut: 'NotSignedIn',
      });
    });
  }
}
