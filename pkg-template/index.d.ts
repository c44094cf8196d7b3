export { CognitoAuth, SrpClient, secretHash, cognitoTimestamp, version } from './cognito_kit.js';

/** Every error cognito-kit throws. */
export declare class CognitoError extends Error {
  /** The service's exception name or one of the kit's own codes; equal to `name`. */
  readonly code: string;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** The HTTP status, for the service's errors. */
  readonly status?: number;
}
