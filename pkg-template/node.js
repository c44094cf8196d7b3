// Entry for Node >= 18: reads the WebAssembly from disk (Node's fetch cannot load file: URLs) and
// provides crypto.getRandomValues where the global is missing (Node 18).
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { initSync } from './cognito_kit.js';

if (typeof globalThis.crypto?.getRandomValues !== 'function') {
  Object.defineProperty(globalThis, 'crypto', { value: webcrypto, configurable: true, writable: true });
}
initSync(readFileSync(new URL('./cognito_kit_bg.wasm', import.meta.url)));

export { SrpClient, secretHash, cognitoTimestamp, version } from './cognito_kit.js';
export { CognitoAuth } from './client.js';
export { CognitoError } from './errors.js';
