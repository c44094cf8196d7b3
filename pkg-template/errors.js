/**
 * Every error cognito-kit throws. `code` (also `name`) is the service's exception name
 * (`NotAuthorizedException`, `CodeMismatchException`, …) or one of the kit's own codes
 * (`NetworkError`, `TimeoutError`, `AbortError`, `NotJsonReply`, `NotSignedIn`, `InvalidArgument`, …);
 * `retryable` says whether trying again later may succeed; `status` is the HTTP status of a
 * service error.
 */
export class CognitoError extends Error {}
