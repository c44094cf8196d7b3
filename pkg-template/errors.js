const brand = Symbol.for('cognito-kit.CognitoError');
/**
 * Every error cognito-kit throws. `code` (also `name`) is the service's exception name
 * (`NotAuthorizedException`, `CodeMismatchException`, …) or one of the kit's own codes
 * (`NetworkError`, `TimeoutError`, `AbortError`, `NotJsonReply`, `NotSignedIn`, `InvalidArgument`, …);
 * `retryable` says whether trying again later may succeed; `status` is the HTTP status of a
 * service error.
 */
export class CognitoError extends Error {
  // One class for `instanceof` wherever a page holds two copies of this code (both browser entries,
  // each a single file, or a bundle that duplicated the package): an error of either is both's.
  static [Symbol.hasInstance](value) {
    return value?.[brand] === true;
  }
}
CognitoError.prototype[brand] = true;
