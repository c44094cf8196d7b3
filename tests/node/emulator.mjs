// Starts the emulator binary on a free loopback port for a Node test, and stops it.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

export async function startEmulator({ config = join(root, 'emulator/examples/pools.json') } = {}) {
  const bin = process.env.EMULATOR_BIN ?? join(root, 'target/debug/cognito-kit-emulator');
  const child = spawn(bin, ['--port', '0', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the emulator did not start within 60 s')), 60_000);
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`the emulator exited (${code}) before listening`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/** Loads the kit's package (pkg/, built by `make pkg`) through its Node entry, as an app would. */
export async function loadKit() {
  return import(join(root, 'pkg/node.js'));
}
