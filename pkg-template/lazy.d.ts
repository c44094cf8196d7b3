export * from './index.js';
/** Resolves once the WebAssembly has loaded: `SrpClient`, `secretHash` and `cognitoTimestamp` may be
 * used after it; `CognitoAuth` methods wait for it themselves. */
export declare const ready: Promise<void>;
