// Types of the JavaScript CognitoAuth (client.js).
import type { CognitoError } from './index.js';
/** Where tokens are kept: Web Storage, memory, or your own object (sync or async). */
export type StorageOption =
  | 'local'
  | 'session'
  | 'memory'
  | {
      getItem(key: string): string | null | Promise<string | null>;
      setItem(key: string, value: string): void | Promise<void>;
      removeItem(key: string): void | Promise<void>;
    };
export interface CognitoAuthOptions {
  /** e.g. `us-east-1_AbCdEf123`. */
  userPoolId: string;
  clientId: string;
  /** Only for app clients with a secret; anything shipped to a browser is visible to its users. */
  clientSecret?: string;
  /** Overrides `https://cognito-idp.{region}.amazonaws.com/` (a proxy, the local emulator). */
  endpoint?: string;
  /** Default `'local'`, falling back to memory where Web Storage is missing. */
  storage?: StorageOption;
  /** The app client rotates refresh tokens: refresh with GetTokensFromRefreshToken. */
  refreshTokenRotation?: boolean;
  /** Name given to a remembered device. */
  deviceName?: string;
  /** Abort a request after this many milliseconds (default 30000; 0 = never). */
  timeoutMs?: number;
  /** Refresh when a token expires within this many seconds (default 60). */
  refreshMarginSeconds?: number;
  /** Sign-in with a redirect through the pool's domain (managed login, social and enterprise providers). */
  oauth?: OAuthOptions;
}
export interface OAuthOptions {
  /** The domain's URL base: `myapp.auth.us-east-1.amazoncognito.com` (`https://` assumed), a custom domain, or the emulator's `http://localhost:9229/domains/myapp`. */
  domain: string;
  /** One of the app client's callback URLs (the first, when a list is given). */
  redirectSignIn: string | string[];
  /** One of the app client's sign-out URLs, for `signOut({ redirect: true })`. */
  redirectSignOut?: string | string[];
  /** Default: phone, email, openid, profile, aws.cognito.signin.user.admin. */
  scopes?: string[];
  /** Only the code flow (with PKCE). */
  responseType?: 'code';
}
/** Amplify's names, or a provider of the pool by its name (`{ custom: 'MyOIDC' }`); `'COGNITO'` is the managed login's own form. */
export type RedirectProvider = 'Google' | 'Facebook' | 'Amazon' | 'Apple' | 'COGNITO' | { custom: string };
export interface SignInWithRedirectInput {
  provider?: RedirectProvider;
  /** Given back by `handleRedirect()`. */
  customState?: string;
  loginHint?: string;
  lang?: string;
  prompt?: 'none' | 'login' | 'consent' | 'select_account';
}
export interface HandleRedirectOutput { isSignedIn: boolean; customState?: string }
/** `CUSTOM_AUTH` is another name for `CUSTOM_WITHOUT_SRP` (amazon-cognito-identity-js's). */
export type AuthFlowType = 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH' | 'CUSTOM_WITH_SRP' | 'CUSTOM_WITHOUT_SRP' | 'CUSTOM_AUTH' | 'USER_AUTH';
/** A first factor of choice-based sign-in (`authFlow: 'USER_AUTH'`). */
export type AuthFactorType = 'PASSWORD' | 'PASSWORD_SRP' | 'EMAIL_OTP' | 'SMS_OTP' | 'WEB_AUTHN';
export interface SignInInput {
  username: string;
  /** With the password flows, and with `USER_AUTH` only when `preferredChallenge` is `PASSWORD` or `PASSWORD_SRP`. */
  password?: string;
  authFlow?: AuthFlowType;
  /**
   * With `authFlow: 'USER_AUTH'` only (with another flow the call rejects with `InvalidArgument`):
   * the factor to start with when the user has it (else the user chooses).
   */
  preferredChallenge?: AuthFactorType;
}
export interface CodeDeliveryDetails { destination?: string; deliveryMedium?: string; attributeName?: string }
export type MfaType = 'SMS' | 'TOTP' | 'EMAIL';
export type SignInStep =
  | { signInStep: 'DONE' }
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_SMS_CODE'; codeDeliveryDetails: CodeDeliveryDetails }
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' }
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE'; codeDeliveryDetails: CodeDeliveryDetails }
  | { signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION'; allowedMFATypes: MfaType[] }
  | { signInStep: 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP'; totpSetupDetails: TotpSetupDetails }
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED'; missingAttributes: string[] }
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE'; additionalInfo: Record<string, string> }
  | { signInStep: 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION'; availableChallenges: AuthFactorType[] }
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_PASSWORD' }
  | { signInStep: 'CONFIRM_SIGN_UP' }
  | { signInStep: 'RESET_PASSWORD' };
export interface SignInOutput { isSignedIn: boolean; nextStep: SignInStep }
export interface ConfirmSignInInput {
  /** The code, the chosen MFA type (`'TOTP'`, `'SMS'`, `'EMAIL'`) or first factor (`'EMAIL_OTP'`, `'PASSWORD'`, …), the password, the new password, or the custom answer. */
  challengeResponse: string;
  /** With a new password: the attributes the pool requires. */
  userAttributes?: Record<string, string>;
}
export interface AuthSession {
  username: string;
  idToken: string;
  accessToken: string;
  /** When the access token expires, in seconds since the epoch (the service's clock). */
  expiresAt: number;
  /** The ID token's claims, decoded but NOT verified. */
  idTokenClaims: Record<string, unknown>;
}
/** `redirect`: then end the domain's session through `/logout`, which returns to `oauth.redirectSignOut`. */
export interface SignOutInput { global?: boolean; redirect?: boolean }
export interface SignUpInput {
  username: string;
  /** Left out for a user who signs in without a password (choice-based sign-in). */
  password?: string;
  userAttributes?: Record<string, string>;
}
export interface SignUpOutput {
  isSignUpComplete: boolean;
  userId?: string;
  nextStep: { signUpStep: 'DONE' | 'CONFIRM_SIGN_UP'; codeDeliveryDetails?: CodeDeliveryDetails };
}
export interface ConfirmSignUpInput { username: string; confirmationCode: string }
/** `COMPLETE_AUTO_SIGN_IN`: the service returned a session, and `autoSignIn()` signs the user in. */
export interface ConfirmSignUpOutput { isSignUpComplete: true; nextStep: { signUpStep: 'DONE' | 'COMPLETE_AUTO_SIGN_IN' } }
export interface UsernameInput { username: string }
export interface ResetPasswordOutput {
  nextStep: { resetPasswordStep: 'CONFIRM_RESET_PASSWORD_WITH_CODE'; codeDeliveryDetails?: CodeDeliveryDetails };
}
export interface ConfirmForgotPasswordInput { username: string; confirmationCode: string; newPassword: string }
export interface ChangePasswordInput { oldPassword: string; newPassword: string }
export interface User { username: string; attributes: Record<string, string>; preferredMfa?: MfaType; enabledMfa: MfaType[] }
export interface UpdateUserAttributesInput { userAttributes: Record<string, string> }
export interface VerifyUserAttributeInput { userAttributeKey: string; confirmationCode: string }
export interface UserAttributeKeyInput { userAttributeKey: string }
export interface DeleteUserAttributesInput { userAttributeKeys: string[] }
export interface SetUpTotpInput { issuer?: string }
export interface TotpSetupDetails { sharedSecret: string; setupUri: string }
export interface VerifyTotpSetupInput { code: string; friendlyDeviceName?: string }
export type MfaPreference = 'ENABLED' | 'DISABLED' | 'PREFERRED' | 'NOT_PREFERRED';
export interface SetMfaPreferenceInput { totp?: MfaPreference; sms?: MfaPreference; email?: MfaPreference }
export interface DeviceKeyInput { deviceKey?: string }
export interface Device {
  id: string;
  name?: string;
  attributes: Record<string, string>;
  createDate?: Date;
  lastModifiedDate?: Date;
  lastAuthenticatedDate?: Date;
}
export interface UserAuthFactors {
  username: string;
  preferredMfa?: MfaType;
  enabledMfa: MfaType[];
  /** The factors the user can sign in with: `PASSWORD`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`. */
  configuredUserAuthFactors: string[];
}
export interface WebAuthnCredential {
  credentialId: string;
  friendlyCredentialName?: string;
  relyingPartyId: string;
  authenticatorAttachment?: string;
  authenticatorTransports: string[];
  createdAt?: Date;
}
export interface ListWebAuthnCredentialsInput { pageSize?: number; nextToken?: string }
export interface ListWebAuthnCredentialsOutput { credentials: WebAuthnCredential[]; nextToken?: string }
export interface DeleteWebAuthnCredentialInput { credentialId: string }
export type AuthEvent = 'signedIn' | 'signedOut' | 'tokenRefresh' | 'tokenRefreshFailure';

/**
 * A client of one user pool app client. Every method returns a Promise that rejects with a
 * `CognitoError`; the constructor (with a `storage` that is not one, or with the `.` entry's options
 * refused) and `on()` (an unknown event, a listener that is not a function) throw one at once.
 */
export declare class CognitoAuth {
    /**
     * `new CognitoAuth({ userPoolId, clientId, clientSecret?, endpoint?, storage?,
     * refreshTokenRotation?, deviceName?, timeoutMs?, refreshMarginSeconds?, oauth? })`.
     */
    constructor(options: CognitoAuthOptions);
    /**
     * `autoSignIn()`: signs in the user `confirmSignUp` just confirmed when it returned
     * `COMPLETE_AUTO_SIGN_IN` (the confirmation code was the first factor).
     */
    autoSignIn(): Promise<SignInOutput>;
    /**
     * `associateWebAuthnCredential()`: registers a passkey for the signed-in user with the
     * platform's authenticator (WebAuthn). Fails with `PasskeyCanceled`, `PasskeyNotSupported`,
     * `PasskeyAlreadyExists` or `PasskeyRelyingPartyMismatch` when the platform does not complete it.
     */
    associateWebAuthnCredential(): Promise<void>;
    /**
     * `changePassword({ oldPassword, newPassword })`.
     */
    changePassword(input: ChangePasswordInput): Promise<void>;
    /**
     * `confirmForgotPassword({ username, confirmationCode, newPassword })`.
     */
    confirmForgotPassword(input: ConfirmForgotPasswordInput): Promise<void>;
    /**
     * `confirmSignIn({ challengeResponse, userAttributes? })` → `{ isSignedIn, nextStep }`.
     */
    confirmSignIn(input: ConfirmSignInInput): Promise<SignInOutput>;
    /**
     * `confirmSignUp({ username, confirmationCode })`.
     */
    confirmSignUp(input: ConfirmSignUpInput): Promise<ConfirmSignUpOutput>;
    /**
     * `deleteUserAttributes({ userAttributeKeys })`.
     */
    deleteUserAttributes(input: DeleteUserAttributesInput): Promise<void>;
    /**
     * `deleteUser()`.
     */
    deleteUser(): Promise<void>;
    /**
     * `deleteWebAuthnCredential({ credentialId })`: deletes one of the user's passkeys.
     */
    deleteWebAuthnCredential(input: DeleteWebAuthnCredentialInput): Promise<void>;
    /**
     * `getUserInfo()`: the user's claims from the domain's `/oauth2/userInfo`.
     */
    getUserInfo(): Promise<Record<string, unknown>>;
    /**
     * `handleRedirect({ url? })` on the callback page (its address by default): checks `state`,
     * exchanges the code, checks the ID token and stores the session like any sign-in.
     * `{ isSignedIn: false }` on a page that is not a callback.
     */
    handleRedirect(input?: { url?: string }): Promise<HandleRedirectOutput>;
    /**
     * `getUserAuthFactors()` → `{ username, preferredMfa, enabledMfa, configuredUserAuthFactors }`.
     */
    getUserAuthFactors(): Promise<UserAuthFactors>;
    /**
     * `listWebAuthnCredentials({ pageSize?, nextToken? })` → `{ credentials, nextToken? }`.
     */
    listWebAuthnCredentials(input?: ListWebAuthnCredentialsInput): Promise<ListWebAuthnCredentialsOutput>;
    /**
     * `forgetDevice({ deviceKey? })`: this device when no key is given.
     */
    forgetDevice(input?: DeviceKeyInput): Promise<void>;
    /**
     * `forgotPassword({ username })` → `{ nextStep: { resetPasswordStep, codeDeliveryDetails } }`.
     */
    forgotPassword(input: UsernameInput): Promise<ResetPasswordOutput>;
    /**
     * `getDevice({ deviceKey? })`: this device when no key is given.
     */
    getDevice(input?: DeviceKeyInput): Promise<Device>;
    /**
     * `getSession()` → `{ username, idToken, accessToken, expiresAt, idTokenClaims }`, refreshed
     * first when needed (one refresh for concurrent callers).
     */
    getSession(): Promise<AuthSession>;
    /**
     * `refreshSession()`: refreshes now, whatever the expiry (shared with a refresh already running).
     */
    refreshSession(): Promise<AuthSession>;
    /**
     * `getUser()` → `{ username, attributes, preferredMfa, enabledMfa }`.
     */
    getUser(): Promise<User>;
    /**
     * `listDevices()` → `[{ id, name, attributes, createDate, lastModifiedDate, lastAuthenticatedDate }]`.
     */
    listDevices(): Promise<Device[]>;
    /**
     * `on(event, listener)` with event `signedIn | signedOut | tokenRefresh | tokenRefreshFailure`;
     * returns a function that unsubscribes.
     */
    on(event: 'tokenRefreshFailure', listener: (error: CognitoError) => void): () => void;
    on(event: Exclude<AuthEvent, 'tokenRefreshFailure'>, listener: () => void): () => void;
    on(event: AuthEvent, listener: (error?: CognitoError) => void): () => void;
    /**
     * `rememberDevice()`: later sign-ins from this device use device SRP.
     */
    rememberDevice(): Promise<void>;
    /**
     * `resendSignUpCode({ username })` → code delivery details.
     */
    resendSignUpCode(input: UsernameInput): Promise<CodeDeliveryDetails | undefined>;
    /**
     * `sendUserAttributeVerificationCode({ userAttributeKey })`.
     */
    sendUserAttributeVerificationCode(input: UserAttributeKeyInput): Promise<CodeDeliveryDetails | undefined>;
    /**
     * `setMfaPreference({ totp?, sms?, email? })`, each `ENABLED | DISABLED | PREFERRED | NOT_PREFERRED`.
     */
    setMfaPreference(input: SetMfaPreferenceInput): Promise<void>;
    /**
     * `setUpTotp({ issuer? })` → `{ sharedSecret, setupUri }`.
     */
    setUpTotp(input?: SetUpTotpInput): Promise<TotpSetupDetails>;
    /**
     * `signIn({ username, password?, authFlow?, preferredChallenge? })` → `{ isSignedIn, nextStep }`.
     */
    signIn(input: SignInInput): Promise<SignInOutput>;
    /**
     * `signInWithRedirect({ provider?, customState?, loginHint?, lang?, prompt? })`: sends the
     * browser to the domain (PKCE S256; state and nonce kept in session storage).
     */
    signInWithRedirect(input?: SignInWithRedirectInput): Promise<void>;
    /**
     * `signOut({ global?, redirect? })`. Without `global` the local tokens go even when the
     * network is down. With it they stay when the sign-out everywhere fails (try again), unless
     * the service says they are no longer valid (revoked elsewhere, a disabled or deleted user):
     * then the session ends here and the call resolves.
     */
    signOut(input?: SignOutInput): Promise<void>;
    /**
     * `signUp({ username, password?, userAttributes? })` →
     * `{ isSignUpComplete, userId, nextStep: { signUpStep, codeDeliveryDetails } }`.
     */
    signUp(input: SignUpInput): Promise<SignUpOutput>;
    /**
     * `updateUserAttributes({ userAttributes })` → code deliveries for changed email/phone.
     */
    updateUserAttributes(input: UpdateUserAttributesInput): Promise<CodeDeliveryDetails[]>;
    /**
     * `verifyTotpSetup({ code, friendlyDeviceName? })`.
     */
    verifyTotpSetup(input: VerifyTotpSetupInput): Promise<void>;
    /**
     * `verifyUserAttribute({ userAttributeKey, confirmationCode })`.
     */
    verifyUserAttribute(input: VerifyUserAttributeInput): Promise<void>;
}

