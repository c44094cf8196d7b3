// Choice-based sign-in (USER_AUTH): emailed and texted codes, the first-factor choice, passwordless
// sign-up and email MFA, driven by Amplify v6's own passwordless APIs (signIn with authFlowType
// USER_AUTH, confirmSignIn, signUp without a password and autoSignIn) and by the AWS SDK for the
// raw wire. Codes are read from the emulator's outbox.
// Run from the repository root:  node emulator/interop/passwordless.mjs
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from './start-emulator.mjs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// Amplify's autoSignIn arms a 3-minute timer at signUp that nothing can clear, and it kept this
// suite's process alive for 3 minutes after the last test: long timers do not hold the process.
const setTimeoutOfNode = globalThis.setTimeout;
globalThis.setTimeout = (fn, ms, ...args) => {
  const timer = setTimeoutOfNode(fn, ms, ...args);
  if (ms >= 60_000) timer.unref();
  return timer;
};

const require = createRequire(new URL('../../tools/package.json', import.meta.url));
const {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, AdminCreateUserCommand,
  AdminSetUserPasswordCommand, SetUserPoolMfaConfigCommand, AdminSetUserMFAPreferenceCommand,
  InitiateAuthCommand, RespondToAuthChallengeCommand, SignUpCommand, ConfirmSignUpCommand,
} = require('@aws-sdk/client-cognito-identity-provider');
const { Amplify } = require('aws-amplify');
const amplifyAuth = require('aws-amplify/auth');

const emulatorBin = process.env.EMULATOR_BIN
  || fileURLToPath(new URL('../../target/debug/cognito-kit-emulator', import.meta.url));
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));

let emulator;
let endpoint;
let sdk;
const ctx = {};

async function outbox(username) {
  const response = await fetch(`${endpoint}/_emulator/outbox?poolId=${encodeURIComponent(ctx.poolId)}&username=${encodeURIComponent(username)}`);
  assert.equal(response.status, 200);
  return response.json();
}
const latestCode = async (username, kind) => (await outbox(username)).find((m) => m.kind === kind).code;

async function user(email, { password = 'Passw0rd!', phone } = {}) {
  const UserAttributes = [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }];
  if (phone) UserAttributes.push({ Name: 'phone_number', Value: phone }, { Name: 'phone_number_verified', Value: 'true' });
  await sdk.send(new AdminCreateUserCommand({ UserPoolId: ctx.poolId, Username: email, MessageAction: 'SUPPRESS', UserAttributes }));
  await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: ctx.poolId, Username: email, Password: password, Permanent: true }));
}

before(async () => {
  ({ child: emulator, url: endpoint } = await startEmulator(emulatorBin));
  sdk = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const created = await sdk.send(new CreateUserPoolCommand({
    PoolName: 'passwordless', UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'], UserPoolTier: 'ESSENTIALS',
    Policies: {
      PasswordPolicy: { MinimumLength: 8, RequireUppercase: false, RequireLowercase: false, RequireNumbers: false, RequireSymbols: false },
      SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'SMS_OTP'] },
    },
    EmailConfiguration: { EmailSendingAccount: 'DEVELOPER', SourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com', From: 'no-reply@example.com' },
    SmsConfiguration: { SnsCallerArn: 'arn:aws:iam::123456789012:role/sms', ExternalId: 'x' },
  }));
  ctx.poolId = created.UserPool.Id;
  const client = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.poolId, ClientName: 'web', PreventUserExistenceErrors: 'ENABLED',
    ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  ctx.clientId = client.UserPoolClient.ClientId;
  await user('dora@example.com');
  await user('sam@example.com', { phone: '+15555550123' });
  Amplify.configure({ Auth: { Cognito: { userPoolId: ctx.poolId, userPoolClientId: ctx.clientId, userPoolEndpoint: endpoint } } });
});

after(async () => {
  try { await amplifyAuth.signOut(); } catch { /* not signed in */ }
  sdk?.destroy();
  emulator?.kill('SIGTERM');
});

test('Amplify v6: an emailed code as the preferred first factor, a wrong code first', async () => {
  const started = await amplifyAuth.signIn({ username: 'dora@example.com', options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } });
  assert.equal(started.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  assert.equal(started.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  assert.equal(started.nextStep.codeDeliveryDetails.destination, 'd***@e***');
  const code = await latestCode('dora@example.com', 'EMAIL_OTP');
  assert.match((await outbox('dora@example.com'))[0].message, new RegExp(code));
  await assert.rejects(amplifyAuth.confirmSignIn({ challengeResponse: code === '000000' ? '111111' : '000000' }), (e) => e.name === 'CodeMismatchException');
  const done = await amplifyAuth.confirmSignIn({ challengeResponse: code });
  assert.equal(done.isSignedIn, true);
  const { tokens } = await amplifyAuth.fetchAuthSession();
  assert.equal(tokens.idToken.payload.email, 'dora@example.com');
  await amplifyAuth.signOut();
});

test('Amplify v6: the first-factor choice, then the password by SRP and in clear', async () => {
  const started = await amplifyAuth.signIn({ username: 'dora@example.com', options: { authFlowType: 'USER_AUTH' } });
  assert.equal(started.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
  assert.deepEqual([...started.nextStep.availableChallenges].sort(), ['EMAIL_OTP', 'PASSWORD', 'PASSWORD_SRP'], 'no SMS_OTP without a verified phone');
  const chosen = await amplifyAuth.confirmSignIn({ challengeResponse: 'PASSWORD_SRP' });
  assert.equal(chosen.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_PASSWORD');
  const done = await amplifyAuth.confirmSignIn({ challengeResponse: 'Passw0rd!' });
  assert.equal(done.isSignedIn, true);
  await amplifyAuth.signOut();

  await amplifyAuth.signIn({ username: 'dora@example.com', options: { authFlowType: 'USER_AUTH' } });
  await amplifyAuth.confirmSignIn({ challengeResponse: 'PASSWORD' });
  await assert.rejects(amplifyAuth.confirmSignIn({ challengeResponse: 'wrong-password' }), (e) => e.name === 'NotAuthorizedException');
});

test('Amplify v6: a texted code for a user with a verified phone', async () => {
  const started = await amplifyAuth.signIn({ username: 'sam@example.com', options: { authFlowType: 'USER_AUTH', preferredChallenge: 'SMS_OTP' } });
  assert.equal(started.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
  assert.equal(started.nextStep.codeDeliveryDetails.destination, '+*******0123');
  const done = await amplifyAuth.confirmSignIn({ challengeResponse: await latestCode('sam@example.com', 'SMS_OTP') });
  assert.equal(done.isSignedIn, true);
  await amplifyAuth.signOut();
});

test('Amplify v6: passwordless sign-up, then the sign-in the confirmation session gives (autoSignIn)', async () => {
  const signedUp = await amplifyAuth.signUp({
    username: 'newbie@example.com',
    options: { userAttributes: { email: 'newbie@example.com' }, autoSignIn: { authFlowType: 'USER_AUTH' } },
  });
  assert.equal(signedUp.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  const code = await latestCode('newbie@example.com', 'SIGN_UP');
  const confirmed = await amplifyAuth.confirmSignUp({ username: 'newbie@example.com', confirmationCode: code });
  assert.equal(confirmed.nextStep.signUpStep, 'COMPLETE_AUTO_SIGN_IN');
  const signedIn = await amplifyAuth.autoSignIn();
  assert.equal(signedIn.isSignedIn, true);
  const { tokens } = await amplifyAuth.fetchAuthSession();
  assert.equal(tokens.idToken.payload.email, 'newbie@example.com');
  await amplifyAuth.signOut();
  // PASSWORD is no factor of a user without one.
  const choice = await sdk.send(new InitiateAuthCommand({ ClientId: ctx.clientId, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: 'newbie@example.com' } }));
  assert.deepEqual(choice.AvailableChallenges, ['EMAIL_OTP']);
});

test('the confirmation session signs in once, on its own client and user', async () => {
  await sdk.send(new SignUpCommand({ ClientId: ctx.clientId, Username: 'once@example.com', UserAttributes: [{ Name: 'email', Value: 'once@example.com' }] }));
  const confirmed = await sdk.send(new ConfirmSignUpCommand({ ClientId: ctx.clientId, Username: 'once@example.com', ConfirmationCode: await latestCode('once@example.com', 'SIGN_UP') }));
  assert.ok(confirmed.Session);
  const other = sdk.send(new InitiateAuthCommand({ ClientId: ctx.clientId, AuthFlow: 'USER_AUTH', Session: confirmed.Session, AuthParameters: { USERNAME: 'dora@example.com' } }));
  await assert.rejects(other, (e) => e.name === 'NotAuthorizedException');
  // The wrong user used the session up: a new confirmation is not possible, so sign up another.
  await sdk.send(new SignUpCommand({ ClientId: ctx.clientId, Username: 'twice@example.com', UserAttributes: [{ Name: 'email', Value: 'twice@example.com' }] }));
  const second = await sdk.send(new ConfirmSignUpCommand({ ClientId: ctx.clientId, Username: 'twice@example.com', ConfirmationCode: await latestCode('twice@example.com', 'SIGN_UP') }));
  const first = await sdk.send(new InitiateAuthCommand({ ClientId: ctx.clientId, AuthFlow: 'USER_AUTH', Session: second.Session, AuthParameters: { USERNAME: 'twice@example.com' } }));
  assert.equal(claimsOf(first.AuthenticationResult.IdToken).email, 'twice@example.com');
  await assert.rejects(sdk.send(new InitiateAuthCommand({ ClientId: ctx.clientId, AuthFlow: 'USER_AUTH', Session: second.Session, AuthParameters: { USERNAME: 'twice@example.com' } })),
    (e) => e.name === 'NotAuthorizedException');
  // A password is still required where the sign-in policy offers no passwordless factor.
  const plainPool = await sdk.send(new CreateUserPoolCommand({ PoolName: 'plain' }));
  const plainClient = await sdk.send(new CreateUserPoolClientCommand({ UserPoolId: plainPool.UserPool.Id, ClientName: 'web' }));
  await assert.rejects(sdk.send(new SignUpCommand({ ClientId: plainClient.UserPoolClient.ClientId, Username: 'x' })), (e) => e.name === 'InvalidParameterException');
});

test('wrong codes: three end the sign-in; an unknown user gets the same answers', async () => {
  const started = await sdk.send(new InitiateAuthCommand({ ClientId: ctx.clientId, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: 'dora@example.com', PREFERRED_CHALLENGE: 'EMAIL_OTP' } }));
  assert.equal(started.ChallengeName, 'EMAIL_OTP');
  for (let i = 0; i < 3; i += 1) {
    await assert.rejects(sdk.send(new RespondToAuthChallengeCommand({
      ClientId: ctx.clientId, ChallengeName: 'EMAIL_OTP', Session: started.Session, ChallengeResponses: { USERNAME: 'dora@example.com', EMAIL_OTP_CODE: 'abcdef' },
    })), (e) => e.name === 'CodeMismatchException');
  }
  const right = await latestCode('dora@example.com', 'EMAIL_OTP');
  await assert.rejects(sdk.send(new RespondToAuthChallengeCommand({
    ClientId: ctx.clientId, ChallengeName: 'EMAIL_OTP', Session: started.Session, ChallengeResponses: { USERNAME: 'dora@example.com', EMAIL_OTP_CODE: right },
  })), (e) => e.name === 'NotAuthorizedException', 'the session is over after three wrong codes');

  const ghost = await sdk.send(new InitiateAuthCommand({ ClientId: ctx.clientId, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: 'ghost@example.com' } }));
  const real = await sdk.send(new InitiateAuthCommand({ ClientId: ctx.clientId, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: 'dora@example.com' } }));
  assert.deepEqual(ghost.AvailableChallenges, real.AvailableChallenges);
  assert.equal(ghost.ChallengeName, 'SELECT_CHALLENGE');
  const ghostCode = await sdk.send(new RespondToAuthChallengeCommand({
    ClientId: ctx.clientId, ChallengeName: 'SELECT_CHALLENGE', Session: ghost.Session, ChallengeResponses: { USERNAME: 'ghost@example.com', ANSWER: 'EMAIL_OTP' },
  }));
  assert.equal(ghostCode.ChallengeName, 'EMAIL_OTP');
  assert.equal(ghostCode.ChallengeParameters.CODE_DELIVERY_DESTINATION, 'g***@e***');
  assert.equal((await outbox('ghost@example.com')).length, 0, 'nothing goes out for an unknown user');
  await assert.rejects(sdk.send(new RespondToAuthChallengeCommand({
    ClientId: ctx.clientId, ChallengeName: 'EMAIL_OTP', Session: ghostCode.Session, ChallengeResponses: { USERNAME: 'ghost@example.com', EMAIL_OTP_CODE: '123456' },
  })), (e) => e.name === 'CodeMismatchException');
});

test('Amplify v6: email MFA after the password', async () => {
  await sdk.send(new SetUserPoolMfaConfigCommand({
    UserPoolId: ctx.poolId, MfaConfiguration: 'OPTIONAL',
    EmailMfaConfiguration: { Message: 'Your sign-in code is {####}', Subject: 'Sign-in code' },
  }));
  await user('mia@example.com');
  await sdk.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: ctx.poolId, Username: 'mia@example.com', EmailMfaSettings: { Enabled: true, PreferredMfa: true } }));
  const started = await amplifyAuth.signIn({ username: 'mia@example.com', password: 'Passw0rd!' });
  assert.equal(started.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  const [message] = await outbox('mia@example.com');
  assert.equal(message.subject, 'Sign-in code');
  assert.equal(message.message, `Your sign-in code is ${message.code}`);
  const done = await amplifyAuth.confirmSignIn({ challengeResponse: message.code });
  assert.equal(done.isSignedIn, true);
  await amplifyAuth.signOut();
});
