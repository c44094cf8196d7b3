// Interop suite: the emulator driven ONLY by third-party clients (AWS SDK v3,
// amazon-cognito-identity-js, aws-jwt-verify) installed in /work/main/tools/node_modules.
// Run from /work/main:  node emulator/interop/interop.mjs
// EMULATOR_BIN overrides the binary (default: the workspace's target/debug/cognito-kit-emulator).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from './start-emulator.mjs';
import { createRequire } from 'node:module';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../../tools/package.json', import.meta.url));

// Record every API call amazon-cognito-identity-js makes. It captures `fetch` when it is loaded,
// so the recorder must be installed first.
const calls = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, options = {}) => {
  const headers = options.headers || {};
  const target = headers['X-Amz-Target'] || headers['x-amz-target'];
  if (target) {
    let body = {};
    try { body = JSON.parse(options.body); } catch { /* not JSON */ }
    calls.push({ target: target.split('.').pop(), challenge: body.ChallengeName });
  }
  return realFetch(url, options);
};

const {
  CognitoIdentityProviderClient,
  CreateUserPoolCommand, DescribeUserPoolCommand, CreateUserPoolClientCommand,
  DescribeUserPoolClientCommand, AdminCreateUserCommand, AdminSetUserPasswordCommand,
  AdminGetUserCommand, ListUsersCommand, InitiateAuthCommand, GetUserCommand,
  UpdateUserAttributesCommand, GlobalSignOutCommand, GetTokensFromRefreshTokenCommand,
  RevokeTokenCommand, SetUserPoolMfaConfigCommand, GetUserPoolMfaConfigCommand,
  DeleteUserPoolCommand, ListDevicesCommand, AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  GetCSVHeaderCommand, CreateUserImportJobCommand, StartUserImportJobCommand,
  DescribeUserImportJobCommand, CreateUserPoolDomainCommand, DescribeUserPoolDomainCommand,
  CreateIdentityProviderCommand, DescribeIdentityProviderCommand,
  CreateGroupCommand, AdminAddUserToGroupCommand, AdminRemoveUserFromGroupCommand,
} = require('@aws-sdk/client-cognito-identity-provider');
const {
  CognitoUserPool, CognitoUser, AuthenticationDetails, CognitoUserAttribute,
} = require('amazon-cognito-identity-js');
const { JwtRsaVerifier } = require('aws-jwt-verify');

const emulatorBin = process.env.EMULATOR_BIN
  || fileURLToPath(new URL('../../target/debug/cognito-kit-emulator', import.meta.url));

let emulator;
let endpoint;
let sdk;
const ctx = {};

// RFC 6238 TOTP computed here, independently of the emulator.
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0; let value = 0; const out = [];
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c); bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}
function totp(secret, at = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const digest = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = digest[19] & 0xf;
  const binary = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(binary).padStart(6, '0');
}

async function outbox(username) {
  const response = await realFetch(`${endpoint}/_emulator/outbox?poolId=${encodeURIComponent(ctx.poolId)}&username=${encodeURIComponent(username)}`);
  assert.equal(response.status, 200);
  return response.json();
}

function newUser(username) {
  return new CognitoUser({ Username: username, Pool: ctx.userPool });
}

// Promise wrapper around authenticateUser; challenge callbacks come from `handlers`.
function signIn(user, password, handlers = {}) {
  return new Promise((resolve, reject) => {
    const details = new AuthenticationDetails({ Username: user.getUsername(), Password: password });
    const callbacks = {
      onSuccess: (session, userConfirmationNecessary) => resolve({ session, userConfirmationNecessary }),
      onFailure: reject,
      newPasswordRequired: (attrs, required) => handlers.newPasswordRequired
        ? handlers.newPasswordRequired(attrs, required, callbacks) : reject(new Error('unexpected NEW_PASSWORD_REQUIRED')),
      totpRequired: (name, params) => handlers.totpRequired
        ? handlers.totpRequired(callbacks) : reject(new Error('unexpected SOFTWARE_TOKEN_MFA')),
      mfaRequired: () => reject(new Error('unexpected SMS_MFA')),
      mfaSetup: () => reject(new Error('unexpected MFA_SETUP')),
      selectMFAType: () => reject(new Error('unexpected SELECT_MFA_TYPE')),
      customChallenge: () => reject(new Error('unexpected CUSTOM_CHALLENGE')),
    };
    user.authenticateUser(details, callbacks);
  });
}

const promisify = (fn) => new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));

async function verifier(tokenUse) {
  const issuer = `${endpoint}/${ctx.poolId}`;
  const v = JwtRsaVerifier.create({
    issuer,
    audience: tokenUse === 'id' ? ctx.clientId : null,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    customJwtCheck: ({ payload }) => {
      if (payload.token_use !== tokenUse) throw new Error(`token_use ${payload.token_use}`);
      if (tokenUse === 'access' && payload.client_id !== ctx.clientId) throw new Error('client_id');
    },
  });
  // aws-jwt-verify only fetches over https; hand it the JWKS fetched from the emulator.
  const jwks = await (await realFetch(`${issuer}/.well-known/jwks.json`)).json();
  v.cacheJwks(jwks);
  return v;
}

async function verifySession(session) {
  const idPayload = await (await verifier('id')).verify(session.getIdToken().getJwtToken());
  const accessPayload = await (await verifier('access')).verify(session.getAccessToken().getJwtToken());
  assert.equal(idPayload.sub, accessPayload.sub);
  assert.equal(accessPayload.scope, 'aws.cognito.signin.user.admin');
  for (const claim of ['sub', 'cognito:username', 'aud', 'auth_time', 'iat', 'exp', 'iss', 'event_id', 'origin_jti', 'jti', 'email']) {
    assert.ok(claim in idPayload, `id token has ${claim}`);
  }
  for (const claim of ['sub', 'client_id', 'auth_time', 'iat', 'exp', 'iss', 'username', 'origin_jti', 'jti']) {
    assert.ok(claim in accessPayload, `access token has ${claim}`);
  }
  return { idPayload, accessPayload };
}

before(async () => {
  ({ child: emulator, url: endpoint } = await startEmulator(emulatorBin));
  sdk = new CognitoIdentityProviderClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

after(() => {
  sdk?.destroy();
  emulator?.kill('SIGTERM');
});

test('admin setup through the AWS SDK (SigV4-signed)', async () => {
  const created = await sdk.send(new CreateUserPoolCommand({
    PoolName: 'interop',
    UsernameAttributes: ['email'],
    AutoVerifiedAttributes: ['email'],
    Policies: { PasswordPolicy: { MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: false } },
    MfaConfiguration: 'OPTIONAL',
    DeviceConfiguration: { ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: true },
    AccountRecoverySetting: { RecoveryMechanisms: [{ Priority: 1, Name: 'verified_email' }] },
  }));
  ctx.poolId = created.UserPool.Id;
  assert.match(ctx.poolId, /^us-east-1_[0-9A-Za-z]+$/);
  assert.ok(created.UserPool.CreationDate instanceof Date, 'dates parse as epoch seconds');

  await sdk.send(new SetUserPoolMfaConfigCommand({ UserPoolId: ctx.poolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } }));
  const mfa = await sdk.send(new GetUserPoolMfaConfigCommand({ UserPoolId: ctx.poolId }));
  assert.equal(mfa.SoftwareTokenMfaConfiguration.Enabled, true);

  const described = await sdk.send(new DescribeUserPoolCommand({ UserPoolId: ctx.poolId }));
  assert.deepEqual(described.UserPool.UsernameAttributes, ['email']);
  assert.equal(described.UserPool.Policies.PasswordPolicy.MinimumLength, 8);
  assert.equal(described.UserPool.MfaConfiguration, 'OPTIONAL');
  assert.ok(described.UserPool.SchemaAttributes.some((a) => a.Name === 'email'));

  const client = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.poolId,
    ClientName: 'public',
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    EnableTokenRevocation: true,
  }));
  ctx.clientId = client.UserPoolClient.ClientId;
  const secretClient = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.poolId,
    ClientName: 'confidential',
    GenerateSecret: true,
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 0 },
  }));
  ctx.secretClientId = secretClient.UserPoolClient.ClientId;
  ctx.clientSecret = secretClient.UserPoolClient.ClientSecret;
  assert.ok(ctx.clientSecret);
  const describedClient = await sdk.send(new DescribeUserPoolClientCommand({ UserPoolId: ctx.poolId, ClientId: ctx.secretClientId }));
  assert.equal(describedClient.UserPoolClient.RefreshTokenRotation.Feature, 'ENABLED');

  for (const email of ['alice@example.com', 'mfa@example.com', 'device@example.com']) {
    await sdk.send(new AdminCreateUserCommand({
      UserPoolId: ctx.poolId, Username: email, MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
    }));
    await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: ctx.poolId, Username: email, Password: 'Passw0rdA', Permanent: true }));
  }
  await sdk.send(new AdminCreateUserCommand({
    UserPoolId: ctx.poolId, Username: 'newbie@example.com', TemporaryPassword: 'TempPassw0rd',
    UserAttributes: [{ Name: 'email', Value: 'newbie@example.com' }, { Name: 'email_verified', Value: 'true' }],
  }));
  const invitation = (await realFetch(`${endpoint}/_emulator/outbox?poolId=${ctx.poolId}&username=newbie@example.com`).then((r) => r.json()))[0];
  assert.equal(invitation.kind, 'INVITATION');

  const alice = await sdk.send(new AdminGetUserCommand({ UserPoolId: ctx.poolId, Username: 'alice@example.com' }));
  assert.equal(alice.UserStatus, 'CONFIRMED');
  const listed = await sdk.send(new ListUsersCommand({ UserPoolId: ctx.poolId, Filter: 'email = "alice@example.com"' }));
  assert.equal(listed.Users.length, 1);

  ctx.userPool = new CognitoUserPool({ UserPoolId: ctx.poolId, ClientId: ctx.clientId, endpoint: `${endpoint}/` });
});

test('unsigned admin calls are refused', async () => {
  const response = await realFetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminGetUser' },
    body: JSON.stringify({ UserPoolId: ctx.poolId, Username: 'alice@example.com' }),
  });
  assert.equal(response.status, 400);
  assert.equal((await response.json()).__type, 'MissingAuthenticationTokenException');
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
});

test('SRP sign-in with amazon-cognito-identity-js; tokens verify against the JWKS', async () => {
  const { session } = await signIn(newUser('alice@example.com'), 'Passw0rdA');
  const { idPayload } = await verifySession(session);
  assert.equal(idPayload.email, 'alice@example.com');
  assert.equal(idPayload.email_verified, true);
  assert.match(idPayload['cognito:username'], /^[0-9a-f-]{36}$/);
  ctx.aliceSession = session;
});

test('wrong password is rejected with the service error', async () => {
  await assert.rejects(signIn(newUser('alice@example.com'), 'WrongPassw0rd'), (error) => {
    assert.equal(error.code, 'NotAuthorizedException');
    assert.equal(error.message, 'Incorrect username or password.');
    return true;
  });
});

test('forged token fails aws-jwt-verify', async () => {
  const [header, payload, signature] = ctx.aliceSession.getIdToken().getJwtToken().split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url'));
  claims.email = 'mallory@example.com';
  const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
  await assert.rejects((await verifier('id')).verify(forged));
});

test('NEW_PASSWORD_REQUIRED for an admin-created user', async () => {
  const user = newUser('newbie@example.com');
  let challenged = false;
  const { session } = await signIn(user, 'TempPassw0rd', {
    newPasswordRequired: (attrs, required, callbacks) => {
      challenged = true;
      assert.deepEqual(required, []);
      assert.equal(attrs.email, 'newbie@example.com');
      user.completeNewPasswordChallenge('NewPassw0rd', {}, callbacks);
    },
  });
  assert.ok(challenged);
  await verifySession(session);
  const again = await signIn(newUser('newbie@example.com'), 'NewPassw0rd');
  await verifySession(again.session);
});

test('TOTP MFA: associate, verify, prefer, then SOFTWARE_TOKEN_MFA at sign-in', async () => {
  const user = newUser('mfa@example.com');
  await signIn(user, 'Passw0rdA');
  const secret = await new Promise((resolve, reject) => user.associateSoftwareToken({
    associateSecretCode: resolve, onFailure: reject,
  }));
  await new Promise((resolve, reject) => user.verifySoftwareToken(totp(secret), 'phone', { onSuccess: resolve, onFailure: reject }));
  await promisify((cb) => user.setUserMfaPreference(null, { PreferredMfa: true, Enabled: true }, cb));

  // A wrong code is refused, the right one completes the sign-in.
  const second = newUser('mfa@example.com');
  let attempts = 0;
  const { session } = await signIn(second, 'Passw0rdA', {
    totpRequired: (callbacks) => {
      attempts += 1;
      const code = attempts === 1 ? String((Number(totp(secret)) + 500_000) % 1_000_000).padStart(6, '0') : totp(secret);
      second.sendMFACode(code, {
        ...callbacks,
        onFailure: (error) => {
          if (attempts === 1 && error.code === 'CodeMismatchException') return callbacks.totpRequired();
          return callbacks.onFailure(error);
        },
      }, 'SOFTWARE_TOKEN_MFA');
    },
  });
  assert.equal(attempts, 2);
  await verifySession(session);
});

test('remembered device: ConfirmDevice, remembered status, then DEVICE_SRP_AUTH', async () => {
  const first = newUser('device@example.com');
  const { userConfirmationNecessary } = await signIn(first, 'Passw0rdA');
  assert.equal(userConfirmationNecessary, true, 'pool asks the user before remembering');
  await new Promise((resolve, reject) => first.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject }));
  const deviceKey = first.deviceKey;
  assert.ok(deviceKey);

  calls.length = 0;
  const second = newUser('device@example.com');
  const { session } = await signIn(second, 'Passw0rdA');
  const challenges = calls.filter((c) => c.target === 'RespondToAuthChallenge').map((c) => c.challenge);
  assert.deepEqual(challenges, ['PASSWORD_VERIFIER', 'DEVICE_SRP_AUTH', 'DEVICE_PASSWORD_VERIFIER']);
  const { accessPayload } = await verifySession(session);
  assert.equal(accessPayload.device_key, deviceKey);
  const devices = await sdk.send(new ListDevicesCommand({ AccessToken: session.getAccessToken().getJwtToken() }));
  assert.ok(devices.Devices.some((d) => d.DeviceKey === deviceKey));
});

test('refresh with amazon-cognito-identity-js and rotation with GetTokensFromRefreshToken', async () => {
  const user = newUser('alice@example.com');
  const { session } = await signIn(user, 'Passw0rdA');
  const refreshed = await promisify((cb) => user.refreshSession(session.getRefreshToken(), cb));
  await verifySession(refreshed);

  const secretHash = (username) => createHmac('sha256', ctx.clientSecret).update(username + ctx.secretClientId).digest('base64');
  const initial = await sdk.send(new InitiateAuthCommand({
    AuthFlow: 'USER_PASSWORD_AUTH', ClientId: ctx.secretClientId,
    AuthParameters: { USERNAME: 'alice@example.com', PASSWORD: 'Passw0rdA', SECRET_HASH: secretHash('alice@example.com') },
  }));
  const rotated = await sdk.send(new GetTokensFromRefreshTokenCommand({
    ClientId: ctx.secretClientId, ClientSecret: ctx.clientSecret, RefreshToken: initial.AuthenticationResult.RefreshToken,
  }));
  assert.ok(rotated.AuthenticationResult.RefreshToken);
  assert.notEqual(rotated.AuthenticationResult.RefreshToken, initial.AuthenticationResult.RefreshToken);
  // Wait past the (zero-second) grace period: the replaced token no longer works.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await assert.rejects(sdk.send(new GetTokensFromRefreshTokenCommand({
    ClientId: ctx.secretClientId, ClientSecret: ctx.clientSecret, RefreshToken: initial.AuthenticationResult.RefreshToken,
  })), { name: 'NotAuthorizedException' });
  await assert.rejects(sdk.send(new InitiateAuthCommand({
    AuthFlow: 'USER_PASSWORD_AUTH', ClientId: ctx.secretClientId,
    AuthParameters: { USERNAME: 'alice@example.com', PASSWORD: 'Passw0rdA' },
  })), { name: 'NotAuthorizedException' });
});

test('sign-up and confirmation with the code from the outbox', async () => {
  const email = 'signup@example.com';
  const result = await promisify((cb) => ctx.userPool.signUp(email, 'Passw0rdA', [new CognitoUserAttribute({ Name: 'email', Value: email })], null, cb));
  assert.equal(result.userConfirmed, false);
  assert.equal(result.codeDeliveryDetails.DeliveryMedium, 'EMAIL');
  await assert.rejects(signIn(newUser(email), 'Passw0rdA'), { code: 'UserNotConfirmedException' });
  const [message] = await outbox(email);
  assert.equal(message.kind, 'SIGN_UP');
  const user = newUser(email);
  await assert.rejects(promisify((cb) => user.confirmRegistration('000000' === message.code ? '111111' : '000000', true, cb)), { code: 'CodeMismatchException' });
  await promisify((cb) => user.confirmRegistration(message.code, true, cb));
  const { session } = await signIn(newUser(email), 'Passw0rdA');
  const { idPayload } = await verifySession(session);
  assert.equal(idPayload.email_verified, true);
});

test('forgot password with amazon-cognito-identity-js', async () => {
  const user = newUser('alice@example.com');
  await new Promise((resolve, reject) => user.forgotPassword({ onSuccess: resolve, onFailure: reject, inputVerificationCode: resolve }));
  const [message] = await outbox('alice@example.com');
  assert.equal(message.kind, 'FORGOT_PASSWORD');
  await new Promise((resolve, reject) => user.confirmPassword(message.code, 'Resetted0Pw', { onSuccess: resolve, onFailure: reject }));
  await assert.rejects(signIn(newUser('alice@example.com'), 'Passw0rdA'), { code: 'NotAuthorizedException' });
  await signIn(newUser('alice@example.com'), 'Resetted0Pw');
});

test('public calls through the SDK: GetUser, UpdateUserAttributes, GlobalSignOut, RevokeToken', async () => {
  const { session } = await signIn(newUser('alice@example.com'), 'Resetted0Pw');
  const accessToken = session.getAccessToken().getJwtToken();
  const me = await sdk.send(new GetUserCommand({ AccessToken: accessToken }));
  assert.ok(me.UserAttributes.some((a) => a.Name === 'email' && a.Value === 'alice@example.com'));
  await sdk.send(new UpdateUserAttributesCommand({ AccessToken: accessToken, UserAttributes: [{ Name: 'name', Value: 'Alice' }] }));
  await sdk.send(new RevokeTokenCommand({ ClientId: ctx.clientId, Token: session.getRefreshToken().getToken() }));
  await assert.rejects(sdk.send(new GetUserCommand({ AccessToken: accessToken })), { name: 'NotAuthorizedException' });

  const other = await signIn(newUser('alice@example.com'), 'Resetted0Pw');
  const otherToken = other.session.getAccessToken().getJwtToken();
  await sdk.send(new GlobalSignOutCommand({ AccessToken: otherToken }));
  await assert.rejects(sdk.send(new GetUserCommand({ AccessToken: otherToken })), { name: 'NotAuthorizedException' });
});

const {
  UpdateUserPoolClientCommand, AddCustomAttributesCommand, SignUpCommand,
} = require('@aws-sdk/client-cognito-identity-provider');

test('UpdateUserPoolClient round-trips the OAuth members through the SDK', async () => {
  const pool = await sdk.send(new CreateUserPoolCommand({ PoolName: 'oauth' }));
  const poolId = pool.UserPool.Id;
  const created = await sdk.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'web', GenerateSecret: true }));
  const clientId = created.UserPoolClient.ClientId;
  const updated = await sdk.send(new UpdateUserPoolClientCommand({
    UserPoolId: poolId,
    ClientId: clientId,
    CallbackURLs: ['https://app.example.com/callback', 'http://localhost:3000/callback'],
    LogoutURLs: ['https://app.example.com/signed-out'],
    DefaultRedirectURI: 'https://app.example.com/callback',
    AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email'],
    AllowedOAuthFlowsUserPoolClient: true,
    SupportedIdentityProviders: ['COGNITO'],
    AccessTokenValidity: 30,
    TokenValidityUnits: { AccessToken: 'minutes' },
  }));
  const described = await sdk.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }));
  for (const client of [updated.UserPoolClient, described.UserPoolClient]) {
    assert.equal(client.ClientName, 'web');
    assert.equal(client.ClientSecret, created.UserPoolClient.ClientSecret);
    assert.deepEqual(client.CallbackURLs, ['https://app.example.com/callback', 'http://localhost:3000/callback']);
    assert.deepEqual(client.LogoutURLs, ['https://app.example.com/signed-out']);
    assert.equal(client.DefaultRedirectURI, 'https://app.example.com/callback');
    assert.deepEqual(client.AllowedOAuthFlows, ['code']);
    assert.deepEqual(client.AllowedOAuthScopes, ['openid', 'email']);
    assert.equal(client.AllowedOAuthFlowsUserPoolClient, true);
    assert.deepEqual(client.SupportedIdentityProviders, ['COGNITO']);
    assert.equal(client.AccessTokenValidity, 30);
    assert.ok(client.LastModifiedDate instanceof Date);
  }
  await assert.rejects(sdk.send(new UpdateUserPoolClientCommand({
    UserPoolId: poolId, ClientId: clientId, CallbackURLs: ['https://a.example.com/cb'], DefaultRedirectURI: 'https://b.example.com/cb',
  })), { name: 'InvalidParameterException' });
  await assert.rejects(sdk.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: 'nosuchclient' })), { name: 'ResourceNotFoundException' });
});

test('AddCustomAttributes, then SignUp with a custom attribute', async () => {
  const pool = await sdk.send(new CreateUserPoolCommand({ PoolName: 'custom' }));
  const poolId = pool.UserPool.Id;
  await sdk.send(new AddCustomAttributesCommand({
    UserPoolId: poolId,
    CustomAttributes: [{ Name: 'plan', AttributeDataType: 'String', StringAttributeConstraints: { MinLength: '2', MaxLength: '8' } }],
  }));
  const described = await sdk.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
  const plan = described.UserPool.SchemaAttributes.find((a) => a.Name === 'custom:plan');
  assert.deepEqual(plan.StringAttributeConstraints, { MinLength: '2', MaxLength: '8' });
  const client = await sdk.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app' }));
  const ClientId = client.UserPoolClient.ClientId;
  await sdk.send(new SignUpCommand({
    ClientId, Username: 'carol', Password: 'Passw0rd!',
    UserAttributes: [{ Name: 'email', Value: 'carol@example.com' }, { Name: 'custom:plan', Value: 'pro' }],
  }));
  const carol = await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'carol' }));
  assert.ok(carol.UserAttributes.some((a) => a.Name === 'custom:plan' && a.Value === 'pro'));
  await assert.rejects(sdk.send(new SignUpCommand({
    ClientId, Username: 'dan', Password: 'Passw0rd!', UserAttributes: [{ Name: 'custom:plan', Value: 'enterprise-plus' }],
  })), { name: 'InvalidParameterException' });
  await assert.rejects(sdk.send(new AddCustomAttributesCommand({
    UserPoolId: poolId, CustomAttributes: [{ Name: 'plan', AttributeDataType: 'String' }],
  })), { name: 'InvalidParameterException' });
});

// aws-jwt-verify checks of tokens issued to `clientId` (both token uses).
async function verifyTokens(result, clientId) {
  const issuer = `${endpoint}/${ctx.poolId}`;
  const jwks = await (await realFetch(`${issuer}/.well-known/jwks.json`)).json();
  const idVerifier = JwtRsaVerifier.create({ issuer, audience: clientId, tokenUse: 'id', jwksUri: `${issuer}/.well-known/jwks.json` });
  const accessVerifier = JwtRsaVerifier.create({ issuer, audience: null, tokenUse: 'access', jwksUri: `${issuer}/.well-known/jwks.json`,
    customJwtCheck: ({ payload }) => { if (payload.client_id !== clientId) throw new Error('client_id'); } });
  idVerifier.cacheJwks(jwks);
  accessVerifier.cacheJwks(jwks);
  const idPayload = await idVerifier.verify(result.IdToken);
  const accessPayload = await accessVerifier.verify(result.AccessToken);
  assert.equal(idPayload.sub, accessPayload.sub);
  return { idPayload, accessPayload };
}

test('AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH) and AdminRespondToAuthChallenge through the AWS SDK', async () => {
  const client = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.poolId, ClientName: 'server', ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  const clientId = client.UserPoolClient.ClientId;
  for (const [email, password, permanent] of [['server@example.com', 'Passw0rdS', true], ['server-new@example.com', 'TempPassw0rd', false]]) {
    await sdk.send(new AdminCreateUserCommand({
      UserPoolId: ctx.poolId, Username: email, MessageAction: 'SUPPRESS', TemporaryPassword: permanent ? undefined : password,
      UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
    }));
    if (permanent) {
      await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: ctx.poolId, Username: email, Password: password, Permanent: true }));
    }
  }
  const signedIn = await sdk.send(new AdminInitiateAuthCommand({
    UserPoolId: ctx.poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: 'server@example.com', PASSWORD: 'Passw0rdS' },
  }));
  const { idPayload } = await verifyTokens(signedIn.AuthenticationResult, clientId);
  assert.equal(idPayload.email, 'server@example.com');
  assert.ok(signedIn.AuthenticationResult.RefreshToken);

  // The public path does not take the admin flow; the admin path does not take USER_PASSWORD_AUTH.
  await assert.rejects(sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: 'server@example.com', PASSWORD: 'Passw0rdS' },
  })), { name: 'InvalidParameterException' });
  await assert.rejects(sdk.send(new AdminInitiateAuthCommand({
    UserPoolId: ctx.poolId, ClientId: ctx.clientId, AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: 'server@example.com', PASSWORD: 'Passw0rdS' },
  })), { name: 'InvalidParameterException' });

  const challenge = await sdk.send(new AdminInitiateAuthCommand({
    UserPoolId: ctx.poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: 'server-new@example.com', PASSWORD: 'TempPassw0rd' },
  }));
  assert.equal(challenge.ChallengeName, 'NEW_PASSWORD_REQUIRED');
  assert.ok(challenge.Session);
  const answered = await sdk.send(new AdminRespondToAuthChallengeCommand({
    UserPoolId: ctx.poolId, ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: challenge.Session,
    ChallengeResponses: { USERNAME: challenge.ChallengeParameters.USER_ID_FOR_SRP, NEW_PASSWORD: 'NewPassw0rdS' },
  }));
  await verifyTokens(answered.AuthenticationResult, clientId);
  const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: ctx.poolId, Username: 'server-new@example.com' }));
  assert.equal(user.UserStatus, 'CONFIRMED');
  // A forged token still fails.
  const [header, payload, signature] = answered.AuthenticationResult.IdToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url'));
  claims.email = 'mallory@example.com';
  const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
  await assert.rejects(verifyTokens({ ...answered.AuthenticationResult, IdToken: forged }, clientId));
});

test('groups through the SDK: cognito:groups and roles in tokens that aws-jwt-verify accepts, and gone after removal', async () => {
  const client = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.poolId, ClientName: 'groups', ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  const clientId = client.UserPoolClient.ClientId;
  const username = 'grouped@example.com';
  await sdk.send(new AdminCreateUserCommand({
    UserPoolId: ctx.poolId, Username: username, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: username }, { Name: 'email_verified', Value: 'true' }],
  }));
  await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: ctx.poolId, Username: username, Password: 'Passw0rdG', Permanent: true }));
  const role = 'arn:aws:iam::123456789012:role/Admins';
  await sdk.send(new CreateGroupCommand({ UserPoolId: ctx.poolId, GroupName: 'admins', Precedence: 1, RoleArn: role }));
  await sdk.send(new CreateGroupCommand({ UserPoolId: ctx.poolId, GroupName: 'readers', Precedence: 5 }));
  for (const GroupName of ['admins', 'readers']) {
    await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: ctx.poolId, Username: username, GroupName }));
  }
  const signedIn = await sdk.send(new AdminInitiateAuthCommand({
    UserPoolId: ctx.poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: 'Passw0rdG' },
  }));
  const { idPayload, accessPayload } = await verifyTokens(signedIn.AuthenticationResult, clientId);
  assert.deepEqual([...idPayload['cognito:groups']].sort(), ['admins', 'readers']);
  assert.deepEqual([...accessPayload['cognito:groups']].sort(), ['admins', 'readers']);
  assert.deepEqual(idPayload['cognito:roles'], [role]);
  assert.equal(idPayload['cognito:preferred_role'], role);

  // A group change shows in the next tokens, refresh included.
  await sdk.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: ctx.poolId, Username: username, GroupName: 'admins' }));
  const refreshed = await sdk.send(new AdminInitiateAuthCommand({
    UserPoolId: ctx.poolId, ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH',
    AuthParameters: { REFRESH_TOKEN: signedIn.AuthenticationResult.RefreshToken },
  }));
  const after = await verifyTokens({ ...refreshed.AuthenticationResult }, clientId);
  assert.deepEqual(after.idPayload['cognito:groups'], ['readers']);
  assert.deepEqual(after.accessPayload['cognito:groups'], ['readers']);
  assert.equal(after.idPayload['cognito:roles'], undefined);
  assert.equal(after.idPayload['cognito:preferred_role'], undefined);
});

test('DeletionProtection and DeleteUserPool', async () => {
  const pool = await sdk.send(new CreateUserPoolCommand({ PoolName: 'protected', DeletionProtection: 'ACTIVE' }));
  await assert.rejects(sdk.send(new DeleteUserPoolCommand({ UserPoolId: pool.UserPool.Id })), { name: 'InvalidParameterException' });
  const plain = await sdk.send(new CreateUserPoolCommand({ PoolName: 'plain' }));
  await sdk.send(new DeleteUserPoolCommand({ UserPoolId: plain.UserPool.Id }));
  await assert.rejects(sdk.send(new DescribeUserPoolCommand({ UserPoolId: plain.UserPool.Id })), { name: 'ResourceNotFoundException' });
});

test('user import through the SDK: the CSV PUT to the PreSignedUrl with fetch', async () => {
  const pool = await sdk.send(new CreateUserPoolCommand({ PoolName: 'import' }));
  const UserPoolId = pool.UserPool.Id;
  const { CSVHeader } = await sdk.send(new GetCSVHeaderCommand({ UserPoolId }));
  const row = (values) => CSVHeader.map((column) => values[column] ?? '').join(',');
  const csv = [
    CSVHeader.join(','),
    row({ 'cognito:username': 'imported1', 'cognito:mfa_enabled': 'false', email: 'one@example.com', email_verified: 'true' }),
    row({ 'cognito:username': 'imported2', 'cognito:mfa_enabled': 'false', email: 'two@example.com', email_verified: 'true' }),
  ].join('\n');
  const created = await sdk.send(new CreateUserImportJobCommand({
    UserPoolId, JobName: 'interop', CloudWatchLogsRoleArn: 'arn:aws:iam::123456789012:role/CognitoImport',
  }));
  const job = created.UserImportJob;
  assert.equal(job.Status, 'Created');
  const put = await realFetch(job.PreSignedUrl, { method: 'PUT', headers: { 'Content-Type': 'text/csv' }, body: csv });
  assert.equal(put.status, 200);
  await sdk.send(new StartUserImportJobCommand({ UserPoolId, JobId: job.JobId }));
  const described = await sdk.send(new DescribeUserImportJobCommand({ UserPoolId, JobId: job.JobId }));
  assert.equal(described.UserImportJob.Status, 'Succeeded');
  assert.equal(described.UserImportJob.ImportedUsers, 2);
  assert.equal(described.UserImportJob.FailedUsers, 0);
  assert.ok(described.UserImportJob.CompletionDate instanceof Date);
  const user = await sdk.send(new AdminGetUserCommand({ UserPoolId, Username: 'imported1' }));
  assert.equal(user.UserStatus, 'RESET_REQUIRED');
});

test('a domain and an OIDC identity provider through the SDK', async () => {
  const pool = await sdk.send(new CreateUserPoolCommand({ PoolName: 'federated' }));
  const UserPoolId = pool.UserPool.Id;
  await sdk.send(new CreateUserPoolDomainCommand({ UserPoolId, Domain: 'interop-login' }));
  const { DomainDescription } = await sdk.send(new DescribeUserPoolDomainCommand({ Domain: 'interop-login' }));
  assert.equal(DomainDescription.UserPoolId, UserPoolId);
  assert.equal(DomainDescription.Status, 'ACTIVE');
  const described = await sdk.send(new DescribeUserPoolCommand({ UserPoolId }));
  assert.equal(described.UserPool.Domain, 'interop-login');

  await sdk.send(new CreateIdentityProviderCommand({
    UserPoolId,
    ProviderName: 'Corp',
    ProviderType: 'OIDC',
    ProviderDetails: {
      client_id: 'corp-client', client_secret: 'corp-secret', attributes_request_method: 'GET',
      oidc_issuer: 'https://login.corp.example.com', authorize_scopes: 'openid email',
    },
    AttributeMapping: { email: 'email' },
    IdpIdentifiers: ['corp.example.com'],
  }));
  const { IdentityProvider } = await sdk.send(new DescribeIdentityProviderCommand({ UserPoolId, ProviderName: 'Corp' }));
  assert.equal(IdentityProvider.ProviderType, 'OIDC');
  assert.equal(IdentityProvider.ProviderDetails.oidc_issuer, 'https://login.corp.example.com');
  assert.equal(IdentityProvider.AttributeMapping.email, 'email');
  assert.deepEqual(IdentityProvider.IdpIdentifiers, ['corp.example.com']);
  assert.ok(IdentityProvider.CreationDate instanceof Date);
  await assert.rejects(sdk.send(new CreateIdentityProviderCommand({
    UserPoolId, ProviderName: 'Corp', ProviderType: 'OIDC', ProviderDetails: IdentityProvider.ProviderDetails,
  })), { name: 'DuplicateProviderException' });
});
