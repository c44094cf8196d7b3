// Compiled with `tsc --strict --noEmit` against the built package's declarations (make test).
// The @ts-expect-error lines fail the build if the types ever become loose (`any`).
import {
  CognitoAuth,
  CognitoError,
  SrpClient,
  secretHash,
  cognitoTimestamp,
  version,
  type AuthSession,
  type CognitoErrorCode,
  type SignInOutput,
  type StorageOption,
  type AuthFactorType,
  type HandleRedirectOutput,
  type OAuthOptions,
  type RedirectProvider,
  type UserAuthFactors,
  type WebAuthnCredential,
} from 'cognito-kit';

const memory: StorageOption = 'memory';
const custom: StorageOption = {
  getItem: async (k: string) => (k ? null : null),
  setItem: (_k: string, _v: string) => undefined,
  removeItem: async (_k: string) => undefined,
};

export async function example(): Promise<string> {
  const auth = new CognitoAuth({ userPoolId: 'us-east-1_AbC123', clientId: 'c', storage: custom, timeoutMs: 5000 });
  // @ts-expect-error storage must be one of the known names or an object
  new CognitoAuth({ userPoolId: 'p', clientId: 'c', storage: 'disk' });
  // @ts-expect-error clientId is required
  new CognitoAuth({ userPoolId: 'p' });

  let out: SignInOutput;
  try {
    out = await auth.signIn({ username: 'alice', password: 'pw', authFlow: 'USER_SRP_AUTH' });
  } catch (e: unknown) {
    if (e instanceof CognitoError) {
      const code: CognitoErrorCode = e.code;
      if (code === 'NotAuthorizedException' || code === 'NetworkError') return `${code} ${e.retryable} ${e.status ?? ''}`;
    }
    throw e;
  }
  // @ts-expect-error unknown auth flow
  await auth.signIn({ username: 'a', authFlow: 'MAGIC' });

  switch (out.nextStep.signInStep) {
    case 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP':
      return out.nextStep.totpSetupDetails.setupUri;
    case 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION':
      await auth.confirmSignIn({ challengeResponse: out.nextStep.allowedMFATypes[0] ?? 'TOTP' });
      break;
    case 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED':
      await auth.confirmSignIn({ challengeResponse: 'N3w!', userAttributes: Object.fromEntries(out.nextStep.missingAttributes.map((a) => [a, 'x'])) });
      break;
    default:
      break;
  }
  const session: AuthSession = await auth.getSession();
  const expires: number = session.expiresAt;
  // @ts-expect-error expiresAt is a number
  const wrong: string = session.expiresAt;
  await auth.setMfaPreference({ totp: 'PREFERRED' });
  // @ts-expect-error not an MFA preference
  await auth.setMfaPreference({ totp: 'ALWAYS' });
  // The calls whose input is optional compile without one.
  await auth.signOut();
  await auth.forgetDevice();
  const mine: string = (await auth.getDevice()).id;
  const totp: string = (await auth.setUpTotp()).setupUri;
  const refreshed: AuthSession = await auth.refreshSession();
  await auth.signOut({ global: true });
  const devices = await auth.listDevices();
  const first: string | undefined = devices[0]?.id;
  // The failure's listener gets the CognitoError (its code and retryable without a cast).
  const off: () => void = auth.on('tokenRefreshFailure', (error) => console.warn(error.code, error.retryable));
  off();
  auth.on('signedOut', () => undefined);
  // @ts-expect-error only tokenRefreshFailure comes with an error
  auth.on('signedIn', (error: CognitoError) => error.code);
  // @ts-expect-error unknown event
  auth.on('loggedIn', () => undefined);
  // Choice-based sign-in, passwordless sign-up and passkeys.
  const choice = await auth.signIn({ username: 'pia', authFlow: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' });
  if (choice.nextStep.signInStep === 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION') {
    const factor: 'PASSWORD' | 'PASSWORD_SRP' | 'EMAIL_OTP' | 'SMS_OTP' | 'WEB_AUTHN' = choice.nextStep.availableChallenges[0] ?? 'EMAIL_OTP';
    await auth.confirmSignIn({ challengeResponse: factor });
  }
  // @ts-expect-error not a first factor
  await auth.signIn({ username: 'pia', authFlow: 'USER_AUTH', preferredChallenge: 'TOTP' });
  await auth.signUp({ username: 'pia', userAttributes: { email: 'pia@example.com' } });
  const confirmed = await auth.confirmSignUp({ username: 'pia', confirmationCode: '123456' });
  if (confirmed.nextStep.signUpStep === 'COMPLETE_AUTO_SIGN_IN') await auth.autoSignIn();
  const authFactors: UserAuthFactors = await auth.getUserAuthFactors();
  const factors: string[] = authFactors.configuredUserAuthFactors;
  const preferred: AuthFactorType = 'WEB_AUTHN';
  // The amazon-cognito-identity-js name of the custom flow is accepted.
  await auth.signIn({ username: 'a', authFlow: 'CUSTOM_AUTH' });
  const page = await auth.listWebAuthnCredentials({ pageSize: 10 });
  const passkey: WebAuthnCredential | undefined = page.credentials[0];
  const created: Date | undefined = passkey?.createdAt;
  await auth.deleteWebAuthnCredential({ credentialId: page.credentials[0]?.credentialId ?? '' });
  // @ts-expect-error credentialId is required
  await auth.deleteWebAuthnCredential({});
  // Sign-in with a redirect.
  const oauth: OAuthOptions = { domain: 'myapp.auth.us-east-1.amazoncognito.com', redirectSignIn: 'https://app.example/cb', redirectSignOut: ['https://app.example/'] };
  const redirecting = new CognitoAuth({ userPoolId: 'us-east-1_AbC123', clientId: 'c', oauth });
  const provider: RedirectProvider = { custom: 'Okta' };
  await redirecting.signInWithRedirect({ provider, customState: '/orders' });
  // @ts-expect-error an implicit flow is not offered
  new CognitoAuth({ userPoolId: 'p', clientId: 'c', oauth: { domain: 'd', redirectSignIn: 'r', responseType: 'token' } });
  const back: HandleRedirectOutput = await redirecting.handleRedirect();
  const state: string | undefined = back.isSignedIn ? back.customState : undefined;
  const claims: Record<string, unknown> = await redirecting.getUserInfo();
  await redirecting.signOut({ redirect: true });
  const srp = new SrpClient();
  const answer: Record<string, string> = srp.answerPasswordVerifier('Pool', 'pw', { SRP_B: 'ab', SALT: 'cd', SECRET_BLOCK: 'AAAA', USER_ID_FOR_SRP: 'u' });
  return [memory, preferred, expires, wrong, first, mine, totp, refreshed.username, factors, created, page.nextToken, state, claims.email, answer.USERNAME, secretHash('s', 'u', 'c'), cognitoTimestamp(0), version()].join();
}
