export { SrpClient, secretHash, cognitoTimestamp, version } from './cognito_kit.js';
export { CognitoAuth } from './client.js';
export type {
  AuthEvent,
  AuthFactorType,
  AuthFlowType,
  AuthSession,
  ChangePasswordInput,
  CodeDeliveryDetails,
  CognitoAuthOptions,
  ConfirmForgotPasswordInput,
  ConfirmSignInInput,
  ConfirmSignUpInput,
  ConfirmSignUpOutput,
  DeleteUserAttributesInput,
  DeleteWebAuthnCredentialInput,
  Device,
  DeviceKeyInput,
  HandleRedirectOutput,
  ListWebAuthnCredentialsInput,
  ListWebAuthnCredentialsOutput,
  MfaPreference,
  MfaType,
  OAuthOptions,
  RedirectProvider,
  ResetPasswordOutput,
  SetMfaPreferenceInput,
  SetUpTotpInput,
  SignInInput,
  SignInOutput,
  SignInStep,
  SignInWithRedirectInput,
  SignOutInput,
  SignUpInput,
  SignUpOutput,
  StorageOption,
  TotpSetupDetails,
  UpdateUserAttributesInput,
  User,
  UserAttributeKeyInput,
  UserAuthFactors,
  UsernameInput,
  VerifyTotpSetupInput,
  VerifyUserAttributeInput,
  WebAuthnCredential,
} from './client.js';

/** The kit's own error codes. */
export type KitErrorCode =
  | 'NetworkError'
  | 'TimeoutError'
  | 'AbortError'
  | 'NotJsonReply'
  | 'InvalidJson'
  | 'InvalidHex'
  | 'InvalidBase64'
  | 'MissingField'
  | 'UnsafeSrpValue'
  | 'MalformedToken'
  | 'UnexpectedChallenge'
  | 'UnexpectedResponse'
  | 'InvalidArgument'
  | 'InvalidState'
  | 'NotSignedIn'
  | 'PasskeyNotSupported'
  | 'PasskeyCanceled'
  | 'PasskeyAlreadyExists'
  | 'PasskeyRelyingPartyMismatch'
  | 'PasskeyFailed';

/** Exception names the user pool returns to the operations the kit calls (the common ones; the
 * service may return others, which `CognitoErrorCode` allows). */
export type ServiceErrorCode =
  | 'AliasExistsException'
  | 'CodeDeliveryFailureException'
  | 'CodeMismatchException'
  | 'EnableSoftwareTokenMFAException'
  | 'ExpiredCodeException'
  | 'FeatureUnavailableInTierException'
  | 'ForbiddenException'
  | 'InternalErrorException'
  | 'InvalidEmailRoleAccessPolicyException'
  | 'InvalidLambdaResponseException'
  | 'InvalidParameterException'
  | 'InvalidPasswordException'
  | 'InvalidSmsRoleAccessPolicyException'
  | 'InvalidSmsRoleTrustRelationshipException'
  | 'InvalidUserPoolConfigurationException'
  | 'LimitExceededException'
  | 'MFAMethodNotFoundException'
  | 'NotAuthorizedException'
  | 'PasswordHistoryPolicyViolationException'
  | 'PasswordResetRequiredException'
  | 'ResourceNotFoundException'
  | 'SoftwareTokenMFANotFoundException'
  | 'TooManyFailedAttemptsException'
  | 'TooManyRequestsException'
  | 'UnexpectedLambdaException'
  | 'UserLambdaValidationException'
  | 'UserNotConfirmedException'
  | 'UserNotFoundException'
  | 'UsernameExistsException'
  | 'WebAuthnChallengeNotFoundException'
  | 'WebAuthnClientMismatchException'
  | 'WebAuthnConfigurationMissingException'
  | 'WebAuthnCredentialNotSupportedException'
  | 'WebAuthnNotEnabledException'
  | 'WebAuthnOriginNotAllowedException'
  | 'WebAuthnRelyingPartyMismatchException';

/** A known code, or another exception name the service may add. */
export type CognitoErrorCode = KitErrorCode | ServiceErrorCode | (string & {});

/** Every error cognito-kit throws. */
export declare class CognitoError extends Error {
  /** The service's exception name or one of the kit's own codes; equal to `name`. */
  readonly code: CognitoErrorCode;
  /** Whether trying again later may succeed (network failures, timeouts, throttling, 5xx). */
  readonly retryable: boolean;
  /** The HTTP status, when the failure came with one (the service's errors, a reply that is not JSON). */
  readonly status?: number;
}
