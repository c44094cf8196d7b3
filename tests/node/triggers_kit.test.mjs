// The kit signs in through custom auth that the pool's Lambda triggers drive: the emulator calls
// DefineAuthChallenge, CreateAuthChallenge and VerifyAuthChallengeResponse through the Lambda
// Invoke API (emulator/interop/lambda-server.mjs runs them here), and the package's CognitoAuth
// answers the challenges they make — with and without SRP first.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, loadKit } from './emulator.mjs';
import { startLambdaServer } from '../../emulator/interop/lambda-server.mjs';

const poolId = 'us-east-1_Triggers1';
const clientId = 'triggersclient00000000001';
const arn = (name) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
let lambda;
let emulator;
let kit;
let dir;

before(async () => {
  lambda = await startLambdaServer();
  dir = await mkdtemp(join(tmpdir(), 'kit-triggers-'));
  const config = join(dir, 'pools.json');
  await writeFile(config, JSON.stringify({
    Pools: [{
      Id: poolId, PoolName: 'triggers', UsernameAttributes: ['email'],
      LambdaConfig: { DefineAuthChallenge: arn('define'), CreateAuthChallenge: arn('create'), VerifyAuthChallengeResponse: arn('verify') },
      Clients: [{ ClientId: clientId, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
      Users: [{ Username: 'carol@example.com', Password: 'Passw0rd!', Attributes: { email_verified: 'true' } }],
    }],
  }));
  [emulator, kit] = await Promise.all([startEmulator({ config, args: ['--lambda-endpoint', lambda.url] }), loadKit()]);
  // A code challenge: the "secret" is made per challenge and kept in the private parameters.
  lambda.handlers.set('define', async (event) => {
    const rounds = event.request.session;
    const last = rounds.at(-1);
    const customRounds = rounds.filter((r) => r.challengeName === 'CUSTOM_CHALLENGE');
    if (last?.challengeName === 'SRP_A') event.response.challengeName = 'PASSWORD_VERIFIER';
    else if (last?.challengeName === 'CUSTOM_CHALLENGE' && last.challengeResult) event.response.issueTokens = true;
    else if (customRounds.length >= 2) event.response.failAuthentication = true;
    else event.response.challengeName = 'CUSTOM_CHALLENGE';
    return event;
  });
  lambda.handlers.set('create', async (event) => {
    const code = String(100000 + event.request.session.length);
    event.response.publicChallengeParameters = { hint: `the code is ${code}` };
    event.response.privateChallengeParameters = { code };
    return event;
  });
  lambda.handlers.set('verify', async (event) => {
    event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.code;
    return event;
  });
});

after(async () => {
  emulator?.stop();
  await lambda?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const auth = () => new kit.CognitoAuth({ userPoolId: poolId, clientId, endpoint: emulator.url, storage: 'memory' });

for (const authFlow of ['CUSTOM_WITHOUT_SRP', 'CUSTOM_WITH_SRP']) {
  test(`${authFlow}: the kit answers the challenge the triggers made, a wrong answer first`, async () => {
    const before = lambda.calls.length;
    const a = auth();
    const out = await a.signIn({ username: 'carol@example.com', password: 'Passw0rd!', authFlow });
    assert.equal(out.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
    const hint = out.nextStep.additionalInfo.hint;
    assert.match(hint, /^the code is \d{6}$/);
    const wrong = await a.confirmSignIn({ challengeResponse: '000000' });
    assert.equal(wrong.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE', 'the define trigger asks again');
    const code = wrong.nextStep.additionalInfo.hint.split(' ').at(-1);
    assert.deepEqual(await a.confirmSignIn({ challengeResponse: code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    assert.equal((await a.getSession()).idTokenClaims.email, 'carol@example.com');
    const sources = lambda.calls.slice(before).map((c) => c.event.triggerSource);
    assert.deepEqual(sources.filter((s) => s.startsWith('Verify')), ['VerifyAuthChallengeResponse_Authentication', 'VerifyAuthChallengeResponse_Authentication']);
    if (authFlow === 'CUSTOM_WITH_SRP') {
      const first = lambda.calls.slice(before).find((c) => c.name === 'define').event.request.session;
      assert.deepEqual(first, [{ challengeName: 'SRP_A', challengeResult: true, challengeMetadata: null }]);
    }
  });
}

test('two wrong answers: the define trigger fails the sign-in and the kit reports it', async () => {
  const a = auth();
  await a.signIn({ username: 'carol@example.com', password: 'Passw0rd!', authFlow: 'CUSTOM_WITHOUT_SRP' });
  await a.confirmSignIn({ challengeResponse: '1' });
  await assert.rejects(a.confirmSignIn({ challengeResponse: '2' }), (e) => e.code === 'NotAuthorizedException');
});
