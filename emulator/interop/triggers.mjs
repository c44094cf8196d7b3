// Lambda triggers: the emulator calls an app's functions through the AWS Lambda Invoke API. Here a
// small Invoke API server (lambda-server.mjs, which checks every call's SigV4 signature with the AWS
// SDK's signer) runs JavaScript handlers and records the events; the emulator is driven by the AWS
// SDK v3 and amazon-cognito-identity-js only. Event shapes are checked field by field against the
// service's documentation, each reply member is honoured, and each failure mode answers the
// service's exception.
// Run from the repository root:  node emulator/interop/triggers.mjs
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from './start-emulator.mjs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startLambdaServer } from './lambda-server.mjs';

const require = createRequire(new URL('../../tools/package.json', import.meta.url));
const {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, SignUpCommand,
  ConfirmSignUpCommand, AdminCreateUserCommand, AdminGetUserCommand, InitiateAuthCommand,
  RespondToAuthChallengeCommand, AdminSetUserPasswordCommand, ForgotPasswordCommand,
  ConfirmForgotPasswordCommand, CreateGroupCommand, AdminAddUserToGroupCommand,
  ResendConfirmationCodeCommand, AdminInitiateAuthCommand, DescribeUserPoolCommand,
} = require('@aws-sdk/client-cognito-identity-provider');
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');

const emulatorBin = process.env.EMULATOR_BIN
  || fileURLToPath(new URL('../../target/debug/cognito-kit-emulator', import.meta.url));
const arn = (name) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));

let lambda;
let emulator;
let sdk;

before(async () => {
  lambda = await startLambdaServer();
  emulator = await startEmulator(emulatorBin, ['--lambda-endpoint', lambda.url]);
  sdk = new CognitoIdentityProviderClient({
    region: 'us-east-1', endpoint: emulator.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1,
  });
});

after(async () => {
  sdk?.destroy();
  emulator?.child.kill('SIGTERM');
  await lambda?.stop();
});

/** A pool with `LambdaConfig` naming `triggers` ({ PreSignUp: 'fnName', … }) and one public client. */
async function poolWith(triggers, extra = {}) {
  const LambdaConfig = {};
  for (const [member, value] of Object.entries(triggers)) {
    LambdaConfig[member] = typeof value === 'string' ? arn(value) : value;
  }
  const created = await sdk.send(new CreateUserPoolCommand({
    PoolName: 'triggers', UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'],
    Policies: { PasswordPolicy: { MinimumLength: 8, RequireUppercase: false, RequireLowercase: false, RequireNumbers: false, RequireSymbols: false } },
    LambdaConfig, ...extra,
  }));
  const poolId = created.UserPool.Id;
  const client = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: poolId, ClientName: 'app',
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH'],
  }));
  return { poolId, clientId: client.UserPoolClient.ClientId };
}

async function outbox(poolId, username) {
  const response = await fetch(`${emulator.url}/_emulator/outbox?poolId=${encodeURIComponent(poolId)}&username=${encodeURIComponent(username)}`);
  assert.equal(response.status, 200);
  return response.json();
}

async function confirmedUser(poolId, email, password = 'Passw0rd!') {
  await sdk.send(new AdminCreateUserCommand({
    UserPoolId: poolId, Username: email, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
  }));
  await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: email, Password: password, Permanent: true }));
}

const passwordSignIn = (pool, email, password = 'Passw0rd!', ClientMetadata) => sdk.send(new InitiateAuthCommand({
  ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password }, ClientMetadata,
}));

/** Checks the members every event has. */
function assertEnvelope(event, { poolId, clientId, source, version = '1' }) {
  assert.equal(event.version, version);
  assert.equal(event.region, 'us-east-1');
  assert.equal(event.userPoolId, poolId);
  assert.equal(typeof event.userName, 'string');
  assert.equal(event.callerContext.clientId, clientId);
  assert.equal(typeof event.callerContext.awsSdkVersion, 'string');
  assert.equal(event.triggerSource, source);
  assert.equal(typeof event.request, 'object');
  assert.equal(typeof event.response, 'object');
}

async function rejectsWith(promise, name, message) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.name, name, `${error.name}: ${error.message}`);
    if (message instanceof RegExp) assert.match(error.message, message);
    else if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

test('PreSignUp: the event of SignUp, auto-confirm and auto-verify honoured, a throw refuses the sign-up', async () => {
  lambda.reset();
  const pool = await poolWith({ PreSignUp: 'preSignUp' });
  lambda.handlers.set('preSignUp', async (event) => {
    if (event.request.userAttributes.email.startsWith('auto')) {
      event.response.autoConfirmUser = true;
      event.response.autoVerifyEmail = true;
    }
    if (event.request.userAttributes.email.startsWith('blocked')) throw new Error('Domain not allowed');
    return event;
  });
  const plain = await sdk.send(new SignUpCommand({
    ClientId: pool.clientId, Username: 'plain@example.com', Password: 'Passw0rd!',
    UserAttributes: [{ Name: 'email', Value: 'plain@example.com' }, { Name: 'name', Value: 'Plain' }],
    ValidationData: [{ Name: 'invite', Value: 'abc' }], ClientMetadata: { source: 'web' },
  }));
  assert.equal(plain.UserConfirmed, false);
  const [event] = lambda.eventsOf('preSignUp');
  assertEnvelope(event, { poolId: pool.poolId, clientId: pool.clientId, source: 'PreSignUp_SignUp' });
  assert.deepEqual(event.request.userAttributes, { email: 'plain@example.com', name: 'Plain' });
  assert.deepEqual(event.request.validationData, { invite: 'abc' });
  assert.deepEqual(event.request.clientMetadata, { source: 'web' });
  assert.deepEqual(event.response, { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false });
  assert.equal((await outbox(pool.poolId, plain.UserSub)).length + (await outbox(pool.poolId, 'plain@example.com')).length > 0, true);

  const auto = await sdk.send(new SignUpCommand({
    ClientId: pool.clientId, Username: 'auto@example.com', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'auto@example.com' }],
  }));
  assert.equal(auto.UserConfirmed, true);
  assert.equal(auto.CodeDeliveryDetails, undefined, 'no code is sent to an auto-confirmed user');
  const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'auto@example.com' }));
  assert.equal(user.UserStatus, 'CONFIRMED');
  assert.equal(user.UserAttributes.find((a) => a.Name === 'email_verified')?.Value, 'true');
  const tokens = (await passwordSignIn(pool, 'auto@example.com')).AuthenticationResult;
  assert.ok(tokens.IdToken);

  await rejectsWith(sdk.send(new SignUpCommand({
    ClientId: pool.clientId, Username: 'blocked@example.com', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'blocked@example.com' }],
  })), 'UserLambdaValidationException', 'PreSignUp failed with error Domain not allowed.');
  await rejectsWith(sdk.send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'blocked@example.com' })), 'UserNotFoundException');

  await sdk.send(new AdminCreateUserCommand({
    UserPoolId: pool.poolId, Username: 'admin-made@example.com', MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: 'admin-made@example.com' }], ClientMetadata: { by: 'admin' },
  }));
  const adminEvent = lambda.eventsOf('preSignUp').at(-1);
  assertEnvelope(adminEvent, { poolId: pool.poolId, clientId: 'CLIENT_ID_NOT_APPLICABLE', source: 'PreSignUp_AdminCreateUser' });
  assert.equal(adminEvent.request.userAttributes.email, 'admin-made@example.com');
  assert.deepEqual(adminEvent.request.clientMetadata, { by: 'admin' });
});

test('PostConfirmation: after ConfirmSignUp and ConfirmForgotPassword, with the confirmed user\'s attributes', async () => {
  lambda.reset();
  const pool = await poolWith({ PostConfirmation: 'postConfirmation' });
  lambda.handlers.set('postConfirmation', async (event) => event);
  const signedUp = await sdk.send(new SignUpCommand({
    ClientId: pool.clientId, Username: 'pc@example.com', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'pc@example.com' }],
  }));
  const [message] = await outbox(pool.poolId, signedUp.UserSub);
  await sdk.send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'pc@example.com', ConfirmationCode: message.code, ClientMetadata: { step: 'confirm' } }));
  const [event] = lambda.eventsOf('postConfirmation');
  assertEnvelope(event, { poolId: pool.poolId, clientId: pool.clientId, source: 'PostConfirmation_ConfirmSignUp' });
  assert.equal(event.userName, signedUp.UserSub);
  assert.equal(event.request.userAttributes.sub, signedUp.UserSub);
  assert.equal(event.request.userAttributes.email, 'pc@example.com');
  assert.equal(event.request.userAttributes['cognito:user_status'], 'CONFIRMED');
  assert.equal(event.request.userAttributes.email_verified, 'true');
  assert.deepEqual(event.request.clientMetadata, { step: 'confirm' });

  await sdk.send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'pc@example.com' }));
  const reset = (await outbox(pool.poolId, signedUp.UserSub))[0];
  assert.equal(reset.kind, 'FORGOT_PASSWORD');
  await sdk.send(new ConfirmForgotPasswordCommand({ ClientId: pool.clientId, Username: 'pc@example.com', ConfirmationCode: reset.code, Password: 'NewPassw0rd!' }));
  assertEnvelope(lambda.eventsOf('postConfirmation').at(-1), { poolId: pool.poolId, clientId: pool.clientId, source: 'PostConfirmation_ConfirmForgotPassword' });

  // A throw fails the call; the confirmation itself has happened, as on the service.
  lambda.handlers.set('postConfirmation', async () => { throw new Error('welcome mail failed'); });
  const second = await sdk.send(new SignUpCommand({
    ClientId: pool.clientId, Username: 'pc2@example.com', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'pc2@example.com' }],
  }));
  const code = (await outbox(pool.poolId, second.UserSub))[0].code;
  await rejectsWith(sdk.send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'pc2@example.com', ConfirmationCode: code })),
    'UserLambdaValidationException', 'PostConfirmation failed with error welcome mail failed.');
  const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'pc2@example.com' }));
  assert.equal(user.UserStatus, 'CONFIRMED');
});

test('PreAuthentication and PostAuthentication: events of a password and an SRP sign-in; a throw refuses the sign-in', async () => {
  lambda.reset();
  const pool = await poolWith({ PreAuthentication: 'preAuth', PostAuthentication: 'postAuth' });
  await confirmedUser(pool.poolId, 'auth@example.com');
  lambda.handlers.set('preAuth', async (event) => {
    if (event.request.validationData?.block === 'yes') throw new Error('Blocked by policy');
    return event;
  });
  lambda.handlers.set('postAuth', async (event) => event);
  const tokens = (await passwordSignIn(pool, 'auth@example.com', 'Passw0rd!', { device: 'laptop' })).AuthenticationResult;
  assert.ok(tokens.AccessToken);
  const [pre] = lambda.eventsOf('preAuth');
  assertEnvelope(pre, { poolId: pool.poolId, clientId: pool.clientId, source: 'PreAuthentication_Authentication' });
  assert.equal(pre.request.userAttributes.email, 'auth@example.com');
  assert.equal(pre.request.userAttributes['cognito:user_status'], 'CONFIRMED');
  assert.deepEqual(pre.request.validationData, { device: 'laptop' });
  assert.equal(pre.request.userNotFound, undefined);
  const [post] = lambda.eventsOf('postAuth');
  assertEnvelope(post, { poolId: pool.poolId, clientId: pool.clientId, source: 'PostAuthentication_Authentication' });
  assert.equal(post.request.newDeviceUsed, false);
  assert.equal(post.request.userAttributes.email, 'auth@example.com');

  // amazon-cognito-identity-js's SRP: the same two events.
  const userPool = new CognitoUserPool({ UserPoolId: pool.poolId, ClientId: pool.clientId, endpoint: `${emulator.url}/` });
  await new Promise((resolve, reject) => new CognitoUser({ Username: 'auth@example.com', Pool: userPool })
    .authenticateUser(new AuthenticationDetails({ Username: 'auth@example.com', Password: 'Passw0rd!' }), { onSuccess: resolve, onFailure: reject }));
  assert.equal(lambda.eventsOf('preAuth').length, 2);
  assert.equal(lambda.eventsOf('postAuth').length, 2);

  await rejectsWith(passwordSignIn(pool, 'auth@example.com', 'Passw0rd!', { block: 'yes' }),
    'UserLambdaValidationException', 'PreAuthentication failed with error Blocked by policy.');
  assert.equal(lambda.eventsOf('postAuth').length, 2, 'no PostAuthentication after a refused sign-in');
  // A wrong password never reaches PostAuthentication either.
  await rejectsWith(passwordSignIn(pool, 'auth@example.com', 'wrong-password'), 'NotAuthorizedException');
  assert.equal(lambda.eventsOf('postAuth').length, 2);
});

test('PreTokenGeneration v1: claims added, overridden and suppressed, groups overridden, on sign-in and refresh', async () => {
  lambda.reset();
  const pool = await poolWith({ PreTokenGeneration: 'preToken' });
  await confirmedUser(pool.poolId, 'tok@example.com');
  await sdk.send(new CreateGroupCommand({ UserPoolId: pool.poolId, GroupName: 'readers', Precedence: 2 }));
  await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, Username: 'tok@example.com', GroupName: 'readers' }));
  lambda.handlers.set('preToken', async (event) => {
    event.response = {
      claimsOverrideDetails: {
        claimsToAddOrOverride: { tenant: 'acme', email: 'override@example.com' },
        claimsToSuppress: ['email_verified'],
        groupOverrideDetails: { groupsToOverride: ['admins', 'readers'], iamRolesToOverride: [], preferredRole: null },
      },
    };
    return event;
  });
  const result = (await passwordSignIn(pool, 'tok@example.com')).AuthenticationResult;
  const [event] = lambda.eventsOf('preToken');
  assertEnvelope(event, { poolId: pool.poolId, clientId: pool.clientId, source: 'TokenGeneration_Authentication' });
  assert.equal(event.request.userAttributes.email, 'tok@example.com');
  assert.deepEqual(event.request.groupConfiguration, { groupsToOverride: ['readers'], iamRolesToOverride: [], preferredRole: null });
  const id = claimsOf(result.IdToken);
  assert.equal(id.tenant, 'acme');
  assert.equal(id.email, 'override@example.com');
  assert.equal('email_verified' in id, false);
  assert.deepEqual(id['cognito:groups'], ['admins', 'readers']);
  assert.deepEqual(claimsOf(result.AccessToken)['cognito:groups'], ['admins', 'readers']);
  assert.equal(claimsOf(result.AccessToken).tenant, undefined, 'v1 changes only the ID token claims');

  const refreshed = (await sdk.send(new InitiateAuthCommand({
    ClientId: pool.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: result.RefreshToken },
  }))).AuthenticationResult;
  assert.equal(lambda.eventsOf('preToken').at(-1).triggerSource, 'TokenGeneration_RefreshTokens');
  assert.equal(claimsOf(refreshed.IdToken).tenant, 'acme');

  // Claims the service never lets a function change stay as they are.
  lambda.handlers.set('preToken', async (event) => {
    event.response = { claimsOverrideDetails: { claimsToAddOrOverride: { sub: 'forged', aud: 'other', token_use: 'access' }, claimsToSuppress: ['iss'] } };
    return event;
  });
  const guarded = claimsOf((await passwordSignIn(pool, 'tok@example.com')).AuthenticationResult.IdToken);
  assert.notEqual(guarded.sub, 'forged');
  assert.equal(guarded.aud, pool.clientId);
  assert.equal(guarded.token_use, 'id');
  assert.ok(guarded.iss);

  // A reply of the wrong shape is InvalidLambdaResponseException; no tokens.
  lambda.handlers.set('preToken', async (event) => ({ ...event, response: { claimsOverrideDetails: { claimsToAddOrOverride: ['not', 'a', 'map'] } } }));
  await rejectsWith(passwordSignIn(pool, 'tok@example.com'), 'InvalidLambdaResponseException');
});

test('PreTokenGeneration v2: access-token claims and scopes', async () => {
  lambda.reset();
  const pool = await poolWith({ PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: arn('preTokenV2') } });
  await confirmedUser(pool.poolId, 'v2@example.com');
  lambda.handlers.set('preTokenV2', async (event) => {
    event.response = {
      claimsAndScopeOverrideDetails: {
        idTokenGeneration: { claimsToAddOrOverride: { plan: 'pro' } },
        accessTokenGeneration: { claimsToAddOrOverride: { roles: ['a', 'b'] }, scopesToAdd: ['api/read'], scopesToSuppress: ['aws.cognito.signin.user.admin'] },
      },
    };
    return event;
  });
  const result = (await passwordSignIn(pool, 'v2@example.com')).AuthenticationResult;
  const [event] = lambda.eventsOf('preTokenV2');
  assertEnvelope(event, { poolId: pool.poolId, clientId: pool.clientId, source: 'TokenGeneration_Authentication', version: '2' });
  assert.deepEqual(event.request.scopes, ['aws.cognito.signin.user.admin']);
  assert.equal(claimsOf(result.IdToken).plan, 'pro');
  const access = claimsOf(result.AccessToken);
  assert.deepEqual(access.roles, ['a', 'b']);
  assert.equal(access.scope, 'api/read');
});

test('CustomMessage: every code message goes through the function, the code put in its placeholder', async () => {
  lambda.reset();
  // Custom email texts need the pool to send through its own (SES) account, as on the service.
  const developerEmail = { EmailConfiguration: { EmailSendingAccount: 'DEVELOPER', SourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com', From: 'no-reply@example.com' } };
  const cognitoEmailPool = await poolWith({ CustomMessage: 'customMessage' });
  lambda.handlers.set('customMessage', async (event) => { event.response.emailMessage = `Code ${event.request.codeParameter}`; return event; });
  await rejectsWith(sdk.send(new SignUpCommand({
    ClientId: cognitoEmailPool.clientId, Username: 'ses@example.com', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'ses@example.com' }],
  })), 'InvalidLambdaResponseException');

  const pool = await poolWith({ CustomMessage: 'customMessage' }, developerEmail);
  lambda.handlers.set('customMessage', async (event) => {
    const { codeParameter } = event.request;
    event.response.emailSubject = `[${event.triggerSource}]`;
    event.response.emailMessage = `Hello! Your code: ${codeParameter}${event.request.usernameParameter ? ` user ${event.request.usernameParameter}` : ''}`;
    return event;
  });
  const signedUp = await sdk.send(new SignUpCommand({
    ClientId: pool.clientId, Username: 'cm@example.com', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'cm@example.com' }],
  }));
  const [sent] = await outbox(pool.poolId, signedUp.UserSub);
  assert.equal(sent.subject, '[CustomMessage_SignUp]');
  assert.equal(sent.message, `Hello! Your code: ${sent.code}`);
  const event = lambda.eventsOf('customMessage').at(-1);
  assertEnvelope(event, { poolId: pool.poolId, clientId: pool.clientId, source: 'CustomMessage_SignUp' });
  assert.equal(event.request.codeParameter, '{####}');
  assert.equal(event.request.userAttributes.email, 'cm@example.com');

  await sdk.send(new ResendConfirmationCodeCommand({ ClientId: pool.clientId, Username: 'cm@example.com' }));
  const resent = (await outbox(pool.poolId, signedUp.UserSub))[0];
  assert.equal(resent.subject, '[CustomMessage_ResendCode]');
  assert.equal(resent.message, `Hello! Your code: ${resent.code}`);

  await sdk.send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'cm@example.com', ConfirmationCode: resent.code }));
  await sdk.send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'cm@example.com' }));
  assert.equal((await outbox(pool.poolId, signedUp.UserSub))[0].subject, '[CustomMessage_ForgotPassword]');

  const invited = await sdk.send(new AdminCreateUserCommand({
    UserPoolId: pool.poolId, Username: 'inv@example.com', TemporaryPassword: 'TempPassw0rd!',
    UserAttributes: [{ Name: 'email', Value: 'inv@example.com' }, { Name: 'email_verified', Value: 'true' }],
  }));
  const invitation = (await outbox(pool.poolId, invited.User.Username))[0];
  assert.equal(invitation.subject, '[CustomMessage_AdminCreateUser]');
  assert.equal(invitation.message, `Hello! Your code: TempPassw0rd! user inv@example.com`);

  // A message without the code's placeholder is refused: the user could never read the code.
  lambda.handlers.set('customMessage', async (event) => { event.response.emailMessage = 'no code here'; return event; });
  await rejectsWith(sdk.send(new SignUpCommand({
    ClientId: pool.clientId, Username: 'cm2@example.com', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'cm2@example.com' }],
  })), 'InvalidLambdaResponseException');

  // Without the trigger the outbox carries the pool's own message.
  const plainPool = await poolWith({});
  const plain = await sdk.send(new SignUpCommand({
    ClientId: plainPool.clientId, Username: 'p@example.com', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'p@example.com' }],
  }));
  const plainMessage = (await outbox(plainPool.poolId, plain.UserSub))[0];
  assert.ok(plainMessage.message.includes(plainMessage.code));
  assert.ok(plainMessage.subject);
});

test('UserMigration: an unknown user signs in with USER_PASSWORD_AUTH and is migrated; forgot password too', async () => {
  lambda.reset();
  const pool = await poolWith({ UserMigration: 'migrate' });
  const legacy = new Map([['old@example.com', 'LegacyPassw0rd!'], ['reset@example.com', 'whatever']]);
  lambda.handlers.set('migrate', async (event) => {
    const known = legacy.get(event.userName);
    if (!known) throw new Error('Bad password');
    if (event.triggerSource === 'UserMigration_Authentication' && event.request.password !== known) throw new Error('Bad password');
    event.response.userAttributes = { email: event.userName, email_verified: 'true', name: 'Migrated' };
    event.response.finalUserStatus = event.userName === 'reset@example.com' ? 'RESET_REQUIRED' : 'CONFIRMED';
    event.response.messageAction = 'SUPPRESS';
    return event;
  });
  const result = (await passwordSignIn(pool, 'old@example.com', 'LegacyPassw0rd!', { app: 'v2' })).AuthenticationResult;
  assert.equal(claimsOf(result.IdToken).name, 'Migrated');
  const [event] = lambda.eventsOf('migrate');
  assertEnvelope(event, { poolId: pool.poolId, clientId: pool.clientId, source: 'UserMigration_Authentication' });
  assert.equal(event.userName, 'old@example.com');
  assert.equal(event.request.password, 'LegacyPassw0rd!');
  assert.deepEqual(event.request.validationData, { app: 'v2' });
  const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'old@example.com' }));
  assert.equal(user.UserStatus, 'CONFIRMED');
  // Now a pool user: the next sign-in does not call the function.
  await passwordSignIn(pool, 'old@example.com', 'LegacyPassw0rd!');
  assert.equal(lambda.eventsOf('migrate').length, 1);

  await rejectsWith(passwordSignIn(pool, 'old2@example.com', 'x-password'), 'UserLambdaValidationException', 'UserMigration failed with error Bad password.');

  const forgot = await sdk.send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'reset@example.com' }));
  assert.equal(forgot.CodeDeliveryDetails.DeliveryMedium, 'EMAIL');
  assert.equal(lambda.eventsOf('migrate').at(-1).triggerSource, 'UserMigration_ForgotPassword');
  assert.equal(lambda.eventsOf('migrate').at(-1).request.password, undefined);
  const reset = await sdk.send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'reset@example.com' }));
  assert.equal(reset.UserStatus, 'RESET_REQUIRED');
});

test('Custom auth: define, create and verify auth challenge drive CUSTOM_AUTH, with and without SRP', async () => {
  lambda.reset();
  const pool = await poolWith({ DefineAuthChallenge: 'define', CreateAuthChallenge: 'create', VerifyAuthChallengeResponse: 'verify' });
  await confirmedUser(pool.poolId, 'ca@example.com');
  lambda.handlers.set('define', async (event) => {
    const session = event.request.session;
    const last = session.at(-1);
    if (session.length === 0 || (last.challengeName === 'CUSTOM_CHALLENGE' && !last.challengeResult && session.length < 3)) {
      Object.assign(event.response, { challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false });
    } else if (last.challengeName === 'SRP_A') {
      Object.assign(event.response, { challengeName: 'PASSWORD_VERIFIER', issueTokens: false, failAuthentication: false });
    } else if (last.challengeName === 'PASSWORD_VERIFIER' && last.challengeResult) {
      Object.assign(event.response, { challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false });
    } else if (last.challengeName === 'CUSTOM_CHALLENGE' && last.challengeResult) {
      Object.assign(event.response, { issueTokens: true, failAuthentication: false });
    } else {
      Object.assign(event.response, { issueTokens: false, failAuthentication: true });
    }
    return event;
  });
  lambda.handlers.set('create', async (event) => {
    event.response.publicChallengeParameters = { question: '6 x 7?' };
    event.response.privateChallengeParameters = { answer: '42' };
    event.response.challengeMetadata = `Q${event.request.session.length}`;
    return event;
  });
  lambda.handlers.set('verify', async (event) => {
    event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
    return event;
  });

  const started = await sdk.send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'ca@example.com' } }));
  assert.equal(started.ChallengeName, 'CUSTOM_CHALLENGE');
  assert.equal(started.ChallengeParameters.question, '6 x 7?');
  assert.equal(started.ChallengeParameters.answer, undefined, 'private parameters stay private');
  const [define0] = lambda.eventsOf('define');
  assertEnvelope(define0, { poolId: pool.poolId, clientId: pool.clientId, source: 'DefineAuthChallenge_Authentication' });
  assert.deepEqual(define0.request.session, []);
  assert.equal(define0.request.userAttributes.email, 'ca@example.com');
  const [create0] = lambda.eventsOf('create');
  assertEnvelope(create0, { poolId: pool.poolId, clientId: pool.clientId, source: 'CreateAuthChallenge_Authentication' });
  assert.equal(create0.request.challengeName, 'CUSTOM_CHALLENGE');

  const wrong = await sdk.send(new RespondToAuthChallengeCommand({
    ClientId: pool.clientId, ChallengeName: 'CUSTOM_CHALLENGE', Session: started.Session,
    ChallengeResponses: { USERNAME: 'ca@example.com', ANSWER: '41' },
  }));
  assert.equal(wrong.ChallengeName, 'CUSTOM_CHALLENGE', 'the define function asks again after a wrong answer');
  const [verify0] = lambda.eventsOf('verify');
  assertEnvelope(verify0, { poolId: pool.poolId, clientId: pool.clientId, source: 'VerifyAuthChallengeResponse_Authentication' });
  assert.equal(verify0.request.challengeAnswer, '41');
  assert.deepEqual(verify0.request.privateChallengeParameters, { answer: '42' });
  assert.deepEqual(lambda.eventsOf('define').at(-1).request.session,
    [{ challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: 'Q0' }]);

  const right = await sdk.send(new RespondToAuthChallengeCommand({
    ClientId: pool.clientId, ChallengeName: 'CUSTOM_CHALLENGE', Session: wrong.Session,
    ChallengeResponses: { USERNAME: 'ca@example.com', ANSWER: '42' },
  }));
  assert.ok(right.AuthenticationResult.IdToken);

  // Two wrong answers: the define function fails the sign-in.
  const again = await sdk.send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'ca@example.com' } }));
  const wrong1 = await sdk.send(new RespondToAuthChallengeCommand({
    ClientId: pool.clientId, ChallengeName: 'CUSTOM_CHALLENGE', Session: again.Session, ChallengeResponses: { USERNAME: 'ca@example.com', ANSWER: '1' },
  }));
  const wrong2 = await sdk.send(new RespondToAuthChallengeCommand({
    ClientId: pool.clientId, ChallengeName: 'CUSTOM_CHALLENGE', Session: wrong1.Session, ChallengeResponses: { USERNAME: 'ca@example.com', ANSWER: '2' },
  }));
  await rejectsWith(sdk.send(new RespondToAuthChallengeCommand({
    ClientId: pool.clientId, ChallengeName: 'CUSTOM_CHALLENGE', Session: wrong2.Session, ChallengeResponses: { USERNAME: 'ca@example.com', ANSWER: '3' },
  })), 'NotAuthorizedException');

  // CUSTOM_WITH_SRP from amazon-cognito-identity-js: SRP_A, PASSWORD_VERIFIER, then the custom challenge.
  const userPool = new CognitoUserPool({ UserPoolId: pool.poolId, ClientId: pool.clientId, endpoint: `${emulator.url}/` });
  const cognitoUser = new CognitoUser({ Username: 'ca@example.com', Pool: userPool });
  cognitoUser.setAuthenticationFlowType('CUSTOM_AUTH');
  const session = await new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: resolve, onFailure: reject,
      customChallenge: (parameters) => {
        assert.equal(parameters.question, '6 x 7?');
        cognitoUser.sendCustomChallengeAnswer('42', callbacks);
      },
    };
    cognitoUser.authenticateUser(new AuthenticationDetails({ Username: 'ca@example.com', Password: 'Passw0rd!' }), callbacks);
  });
  assert.ok(session.getIdToken().getJwtToken());
  const srpDefine = lambda.eventsOf('define').filter((e) => e.request.session.some((s) => s.challengeName === 'SRP_A'));
  assert.ok(srpDefine.length >= 2, 'the define function saw SRP_A and PASSWORD_VERIFIER');
});

test('failures: a missing function, an invalid reply, a slow function that does not hold up other requests', async () => {
  lambda.reset();
  const pool = await poolWith({ PreSignUp: 'notDeployed' });
  await rejectsWith(sdk.send(new SignUpCommand({
    ClientId: pool.clientId, Username: 'nd@example.com', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'nd@example.com' }],
  })), 'UnexpectedLambdaException', 'PreSignUp invocation failed due to error ResourceNotFoundException.');

  const invalid = await poolWith({ PreSignUp: 'garbage' });
  lambda.handlers.set('garbage', async () => '"just a string"');
  await rejectsWith(sdk.send(new SignUpCommand({
    ClientId: invalid.clientId, Username: 'g@example.com', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'g@example.com' }],
  })), 'InvalidLambdaResponseException');
  lambda.handlers.set('garbage', async (event) => ({ ...event, response: { autoConfirmUser: 'yes' } }));
  await rejectsWith(sdk.send(new SignUpCommand({
    ClientId: invalid.clientId, Username: 'g@example.com', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'g@example.com' }],
  })), 'InvalidLambdaResponseException');

  // The slow function: every attempt outlives the 5-second limit. While the emulator waits for
  // it, other requests are answered at once.
  const slow = await poolWith({ PreSignUp: 'slow' });
  let attempts = 0;
  lambda.handlers.set('slow', async (event) => { attempts += 1; await new Promise((r) => setTimeout(r, 5_600)); return event; });
  const started = Date.now();
  const pending = sdk.send(new SignUpCommand({
    ClientId: slow.clientId, Username: 's@example.com', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 's@example.com' }],
  }));
  await new Promise((r) => setTimeout(r, 500));
  const before = Date.now();
  await sdk.send(new DescribeUserPoolCommand({ UserPoolId: slow.poolId }));
  assert.ok(Date.now() - before < 2_000, 'another request is answered while the function runs');
  await rejectsWith(pending, 'UnexpectedLambdaException', 'PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.');
  assert.equal(attempts, 3, 'three attempts, as the service makes');
  assert.ok(Date.now() - started >= 15_000);
});

test('a pool naming a function while no Lambda endpoint is configured', async () => {
  const bare = await startEmulator(emulatorBin, []);
  const bareSdk = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: bare.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  try {
    const created = await bareSdk.send(new CreateUserPoolCommand({ PoolName: 'bare', LambdaConfig: { PreSignUp: arn('preSignUp') } }));
    const client = await bareSdk.send(new CreateUserPoolClientCommand({ UserPoolId: created.UserPool.Id, ClientName: 'app' }));
    await rejectsWith(bareSdk.send(new SignUpCommand({ ClientId: client.UserPoolClient.ClientId, Username: 'x', Password: 'Passw0rd!' })),
      'UnexpectedLambdaException', 'PreSignUp invocation failed due to error ResourceNotFoundException.');
    await rejectsWith(bareSdk.send(new SignUpCommand({ ClientId: client.UserPoolClient.ClientId, Username: 'y', Password: 'Passw0rd!' })),
      'UnexpectedLambdaException');
    const mentions = bare.log().split('\n').filter((line) => line.includes('--lambda-endpoint'));
    assert.equal(mentions.length, 1, `the emulator says so once: ${bare.log()}`);
  } finally {
    bareSdk.destroy();
    bare.child.kill('SIGTERM');
  }
});

test('admin sign-in runs the same triggers', async () => {
  lambda.reset();
  const pool = await poolWith({ PreAuthentication: 'preAuth', PreTokenGeneration: 'preToken' });
  await confirmedUser(pool.poolId, 'adm@example.com');
  lambda.handlers.set('preAuth', async (event) => event);
  lambda.handlers.set('preToken', async (event) => {
    event.response.claimsOverrideDetails = { claimsToAddOrOverride: { via: 'admin' } };
    return event;
  });
  const result = (await sdk.send(new AdminInitiateAuthCommand({
    UserPoolId: pool.poolId, ClientId: pool.clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: 'adm@example.com', PASSWORD: 'Passw0rd!' }, ClientMetadata: { k: 'v' },
  }))).AuthenticationResult;
  assert.equal(claimsOf(result.IdToken).via, 'admin');
  assert.equal(lambda.eventsOf('preAuth')[0].triggerSource, 'PreAuthentication_Authentication');
  assert.deepEqual(lambda.eventsOf('preAuth')[0].request.validationData, { k: 'v' });
  assert.equal(lambda.eventsOf('preToken')[0].triggerSource, 'TokenGeneration_Authentication');
});
