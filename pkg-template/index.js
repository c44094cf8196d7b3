// Entry for browsers, workers and bundlers: loads the WebAssembly next to this file, so no manual
// init is needed.
import init, { SrpClient } from './cognito_kit.js';
import { loadWith } from './client.js';

const load = () => init(new URL('./cognito_kit_bg.wasm', import.meta.url));
// A failed load (offline, a blocked or missing file) does not fail the app's import: every
// CognitoAuth call then reports it as a CognitoError and tries again.
await load().catch(() => loadWith(load));

// Warm the SRP code at idle, before the user signs in: the first SrpClient builds the group's tables
// and takes the wasm past its first, slow compiler tier, so a page's first sign-in does not wait.
(globalThis.requestIdleCallback ?? setTimeout)(() => {
  try {
    new SrpClient().free();
  } catch {
    // Only a warm-up: a sign-in reports any real problem.
  }
});

export { SrpClient, secretHash, cognitoTimestamp, version } from './cognito_kit.js';
export { CognitoAuth } from './client.js';
export { CognitoError } from './errors.js';
