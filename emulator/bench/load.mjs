// Load benchmark (not a test): N concurrent SRP sign-ins against one emulator on loopback.
// Run from the repository root:  node emulator/bench/load.mjs [--users 50] [--rounds 3] [--timeout 120] [--client kit|reference]
// The client: `kit` (default, needs pkg/ from `make pkg`) spends ~10 ms of SRP per sign-in, so the
// figures measure the emulator; `reference` (amazon-cognito-identity-js) spends ~200 ms of it on this
// process's single thread, so they mostly measure the client.
// Uses the release binary when built (EMULATOR_BIN overrides), else the debug one.
// Prints throughput, latency p50/p90/p99 and the error count (which must be zero).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../../tools/package.json', import.meta.url));
const { CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, AdminCreateUserCommand, AdminSetUserPasswordCommand } = require('@aws-sdk/client-cognito-identity-provider');
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');

const arg = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const users = Math.min(arg('users', 50), 500);
const rounds = Math.min(arg('rounds', 3), 20);
const timeoutSeconds = Math.min(arg('timeout', 120), 600);
const clientIndex = process.argv.indexOf('--client');
const clientKind = clientIndex > 0 ? process.argv[clientIndex + 1] : 'kit';

const release = fileURLToPath(new URL('../../target/release/cognito-kit-emulator', import.meta.url));
const debug = fileURLToPath(new URL('../../target/debug/cognito-kit-emulator', import.meta.url));
const bin = process.env.EMULATOR_BIN || (existsSync(release) ? release : debug);

const child = spawn(bin, ['--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const killTimer = setTimeout(() => { console.error(`timed out after ${timeoutSeconds} s`); child.kill('SIGTERM'); process.exit(2); }, timeoutSeconds * 1000);
const endpoint = await new Promise((resolve, reject) => {
  let out = '';
  child.on('exit', (code) => reject(new Error(`emulator exited ${code}`)));
  child.stdout.on('data', (d) => { out += d; const m = out.match(/listening on (http:\/\/\S+)/); if (m) resolve(m[1]); });
});

try {
  const sdk = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const { UserPool } = await sdk.send(new CreateUserPoolCommand({ PoolName: 'bench' }));
  const { UserPoolClient } = await sdk.send(new CreateUserPoolClientCommand({ UserPoolId: UserPool.Id, ClientName: 'bench', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
  for (let i = 0; i < users; i += 1) {
    await sdk.send(new AdminCreateUserCommand({ UserPoolId: UserPool.Id, Username: `user${i}`, MessageAction: 'SUPPRESS', TemporaryPassword: 'Temp0rary!' }));
    await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: UserPool.Id, Username: `user${i}`, Password: 'Passw0rd!', Permanent: true }));
  }
  sdk.destroy();
  const pool = new CognitoUserPool({ UserPoolId: UserPool.Id, ClientId: UserPoolClient.ClientId, endpoint: `${endpoint}/` });
  const referenceSignIn = (username) => new Promise((resolve, reject) => {
    new CognitoUser({ Username: username, Pool: pool }).authenticateUser(
      new AuthenticationDetails({ Username: username, Password: 'Passw0rd!' }),
      { onSuccess: resolve, onFailure: reject },
    );
  });
  let signIn = referenceSignIn;
  if (clientKind === 'kit') {
    const { loadKit } = await import('../../tests/node/emulator.mjs');
    const { kitSignIn } = await import('../../scripts/kit-signin.mjs');
    const kit = await loadKit();
    signIn = async (username) => {
      const done = await kitSignIn(kit, { endpoint: `${endpoint}/`, poolId: UserPool.Id, clientId: UserPoolClient.ClientId, username, password: 'Passw0rd!' });
      if (!done.AuthenticationResult) throw new Error(`no tokens: ${done.ChallengeName}`);
    };
  }

  const latencies = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: users }, async (_, i) => {
    for (let r = 0; r < rounds; r += 1) {
      const t0 = performance.now();
      try { await signIn(`user${i}`); latencies.push(performance.now() - t0); } catch (error) { errors += 1; console.error(error.code, error.message); }
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(0) : 'n/a';
  console.log(`emulator: ${bin}; client: ${clientKind === 'kit' ? 'cognito-kit (wasm)' : 'amazon-cognito-identity-js'}`);
  console.log(`sign-ins: ${latencies.length} ok, ${errors} errors (${users} users x ${rounds} rounds, all concurrent)`);
  console.log(`throughput: ${(latencies.length / seconds).toFixed(1)} sign-ins/s over ${seconds.toFixed(1)} s`);
  console.log(`latency ms: p50 ${pct(0.5)}  p90 ${pct(0.9)}  p99 ${pct(0.99)}`);
  process.exitCode = errors === 0 ? 0 : 1;
} finally {
  clearTimeout(killTimer);
  child.kill('SIGTERM');
}
