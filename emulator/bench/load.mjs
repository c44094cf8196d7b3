// Load benchmark (not a test): concurrent SRP sign-ins and admin writes against one emulator with
// an on-disk state (SQLite, fsync per commit), as the pool and the emulator grow.
// Run from the repository root:  node emulator/bench/load.mjs [--signins 300] [--concurrency 20]
//   [--total 10000] [--timeout 900] [--client kit|reference] [--smoke]
// Stages (cumulative): 10, 100 and 1,000 users in the pool under test, then 10,000 users in total
// (a second pool takes the rest). Each stage prints sign-ins per second with p50/p99 latency, and
// the p50/p99 of AdminUpdateUserAttributes (one write) — which must not grow with the users.
// The client: `kit` (default, needs pkg/ from `make pkg`) spends ~10 ms of SRP per sign-in, so the
// figures measure the emulator; `reference` (amazon-cognito-identity-js) mostly measures itself.
// Uses the release binary when built (EMULATOR_BIN overrides), else the debug one.
// --smoke (run by `make test` so the script cannot rot): one stage of 4 users in the pool and 2 in
// another, 4 sign-ins 2 at once, 4 writes; it fails on any error and asserts no figure.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../../tools/package.json', import.meta.url));
const {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, AdminCreateUserCommand,
  AdminSetUserPasswordCommand, AdminUpdateUserAttributesCommand,
} = require('@aws-sdk/client-cognito-identity-provider');
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');

const arg = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const smoke = process.argv.includes('--smoke');
const signins = Math.min(arg('signins', smoke ? 4 : 300), 5000);
const concurrency = Math.min(arg('concurrency', smoke ? 2 : 20), 200);
const total = Math.min(arg('total', 10_000), 50_000);
const writesPerStage = smoke ? 4 : 200;
const timeoutSeconds = Math.min(arg('timeout', 900), 3600);
const clientIndex = process.argv.indexOf('--client');
const clientKind = clientIndex > 0 ? process.argv[clientIndex + 1] : 'kit';

const release = fileURLToPath(new URL('../../target/release/cognito-kit-emulator', import.meta.url));
const debug = fileURLToPath(new URL('../../target/debug/cognito-kit-emulator', import.meta.url));
const bin = process.env.EMULATOR_BIN || (existsSync(release) ? release : debug);
const dir = mkdtempSync(join(tmpdir(), 'cke-load-'));

const child = spawn(bin, ['--host', '127.0.0.1', '--port', '0', '--state', join(dir, 'state.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
const killTimer = setTimeout(() => { console.error(`timed out after ${timeoutSeconds} s`); child.kill('SIGTERM'); process.exit(2); }, timeoutSeconds * 1000);
const endpoint = await new Promise((resolve, reject) => {
  let out = '';
  child.on('exit', (code) => reject(new Error(`emulator exited ${code}`)));
  child.stdout.on('data', (d) => { out += d; const m = out.match(/listening on (http:\/\/\S+)/); if (m) resolve(m[1]); });
});

/** Runs `count` tasks `work(i)` with at most `limit` at once; their latencies in ms, sorted. */
async function run(count, limit, work) {
  const latencies = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const i = next;
      next += 1;
      const t0 = performance.now();
      try { await work(i); latencies.push(performance.now() - t0); } catch (error) { errors += 1; if (errors < 5) console.error(error.code ?? error.name, error.message); }
    }
  }));
  latencies.sort((a, b) => a - b);
  return { latencies, errors, seconds: (performance.now() - started) / 1000 };
}
const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN);
const ms = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(0));

try {
  // SigV4 with the emulator's default credentials.
  const sdk = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const { UserPool } = await sdk.send(new CreateUserPoolCommand({ PoolName: 'bench' }));
  const { UserPoolClient } = await sdk.send(new CreateUserPoolClientCommand({ UserPoolId: UserPool.Id, ClientName: 'bench', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
  const { UserPool: Filler } = await sdk.send(new CreateUserPoolCommand({ PoolName: 'filler' }));
  const create = async (poolId, name, permanent) => {
    await sdk.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: name, MessageAction: 'SUPPRESS', TemporaryPassword: 'Temp0rary!' }));
    if (permanent) await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: name, Password: 'Passw0rd!', Permanent: true }));
  };
  const pool = new CognitoUserPool({ UserPoolId: UserPool.Id, ClientId: UserPoolClient.ClientId, endpoint: `${endpoint}/` });
  let signIn = (username) => new Promise((resolve, reject) => {
    new CognitoUser({ Username: username, Pool: pool }).authenticateUser(
      new AuthenticationDetails({ Username: username, Password: 'Passw0rd!' }),
      { onSuccess: resolve, onFailure: reject },
    );
  });
  if (clientKind === 'kit') {
    const { loadKit } = await import('../../tests/node/emulator.mjs');
    const { kitSignIn } = await import('../../scripts/kit-signin.mjs');
    const kit = await loadKit();
    signIn = async (username) => {
      const done = await kitSignIn(kit, { endpoint: `${endpoint}/`, poolId: UserPool.Id, clientId: UserPoolClient.ClientId, username, password: 'Passw0rd!' });
      // kitSignIn resolves to `{ nextStep, idToken?, accessToken?, refreshToken? }`.
      if (!done.idToken || !done.accessToken) throw new Error(`no tokens: next step ${done.nextStep?.signInStep}`);
    };
  }

  console.log(`emulator: ${bin} (state on disk: ${dir}); client: ${clientKind === 'kit' ? 'cognito-kit (wasm)' : 'amazon-cognito-identity-js'}`);
  console.log(`${signins} sign-ins and ${writesPerStage} writes per stage, ${concurrency} at once`);
  console.log('| users in pool | users in total | sign-ins/s | sign-in p50 ms | sign-in p99 ms | write p50 ms | write p99 ms | errors |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  let inPool = 0;
  let filler = 0;
  let failed = 0;
  const stages = smoke ? [[4, 2]] : [[10, 0], [100, 0], [1000, 0], [1000, Math.max(0, total - 1000)]];
  for (const [poolTarget, fillerTarget] of stages) {
    const grow = await run(poolTarget - inPool, 8, (i) => create(UserPool.Id, `user${inPool + i}`, true));
    inPool = poolTarget;
    const fill = await run(fillerTarget - filler, 8, (i) => create(Filler.Id, `filler${filler + i}`, false));
    filler = fillerTarget;
    const signed = await run(signins, concurrency, (i) => signIn(`user${i % inPool}`));
    const writes = await run(writesPerStage, 1, (i) => sdk.send(new AdminUpdateUserAttributesCommand({
      UserPoolId: UserPool.Id, Username: `user${i % inPool}`, UserAttributes: [{ Name: 'name', Value: `n${i}` }],
    })));
    const errors = grow.errors + fill.errors + signed.errors + writes.errors;
    failed += errors;
    const rate = signed.latencies.length / signed.seconds;
    console.log(`| ${inPool} | ${inPool + filler} | ${rate.toFixed(1)} | ${ms(pct(signed.latencies, 0.5))} | ${ms(pct(signed.latencies, 0.99))} | ${ms(pct(writes.latencies, 0.5))} | ${ms(pct(writes.latencies, 0.99))} | ${errors} |`);
  }
  sdk.destroy();
  process.exitCode = failed === 0 ? 0 : 1;
} finally {
  clearTimeout(killTimer);
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
