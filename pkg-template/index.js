// Entry for browsers, workers and bundlers: loads the WebAssembly next to this file, so no manual
// init is needed.
import init, { __setErrorClass } from './cognito_kit.js';
import { CognitoError } from './errors.js';

await init({ module_or_path: new URL('./cognito_kit_bg.wasm', import.meta.url) });
__setErrorClass(CognitoError);

export { SrpClient, secretHash, cognitoTimestamp, version } from './cognito_kit.js';
export { CognitoAuth } from './client.js';
export { CognitoError };
