// Entry for service workers (and any context that forbids a top-level await): the WebAssembly next
// to this file starts loading on import; `CognitoAuth` methods wait for it, and `ready` resolves
// once it is loaded (await it before using SrpClient, secretHash or cognitoTimestamp).
import init, { SrpClient } from './cognito_kit.js';
import { loadWith } from './client.js';

export const ready = init(new URL('./cognito_kit_bg.wasm', import.meta.url)).then(() => {
  // Warm the SRP code once loaded (see index.js).
  setTimeout(() => {
    try {
      new SrpClient().free();
    } catch {}
  });
});
// Awaiting `ready` is optional: a failed load is reported by every CognitoAuth call instead.
ready.catch(() => {});
loadWith(ready);

export { SrpClient, secretHash, cognitoTimestamp, version } from './cognito_kit.js';
export { CognitoAuth } from './client.js';
export { CognitoError } from './errors.js';
