// Entry for service workers (and any context that forbids a top-level await): the WebAssembly next
// to this file starts loading on import; `CognitoAuth` methods wait for it, and `ready` resolves
// once it is loaded (await it before using SrpClient, secretHash or cognitoTimestamp).
import init, { SrpClient } from './cognito_kit.js';
import { loadWith } from './client.js';

const load = () => init(new URL('./cognito_kit_bg.wasm', import.meta.url));
export const ready = load().then(() => {
  // Warm the SRP code once loaded (see index.js).
  setTimeout(() => {
    try {
      new SrpClient().free();
    } catch {}
  });
});
// Awaiting `ready` is optional: a failed load is reported by every CognitoAuth call instead, and
// the next call tries again (a service worker that started offline).
ready.catch(() => {});
loadWith(load);

export { SrpClient, secretHash, cognitoTimestamp, version } from './cognito_kit.js';
export { CognitoAuth } from './client.js';
export { CognitoError } from './errors.js';
