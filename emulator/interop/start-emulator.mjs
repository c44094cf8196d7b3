// Starts the emulator binary on a free loopback port for an interop suite: resolves to
// { child, url, log() } once it says where it listens; fails with its log if it exits or stays
// silent for 60 s.
import { spawn } from 'node:child_process';

export function startEmulator(bin, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--host', '127.0.0.1', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let log = '';
    child.stderr.on('data', (chunk) => { log += chunk; });
    const timer = setTimeout(() => reject(new Error(`emulator did not start in 60 s: ${log}`)), 60_000);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`emulator exited with ${code}: ${log}`)); });
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, url: match[1], log: () => log + output });
      }
    });
  });
}
