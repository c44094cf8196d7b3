// Signs in to a user pool with the kit's SRP (USER_SRP_AUTH → PASSWORD_VERIFIER), from Node, through
// the wasm package: `node scripts/kit-signin.mjs ENDPOINT POOL_ID CLIENT_ID USERNAME PASSWORD [CLIENT_SECRET]`.
// Used by `make demo` and by tests/node/kit_signin.test.mjs. (The full client with every challenge,
// storage and refresh is the kit's CognitoAuth; this shows the SRP core on the wire.)
import { loadKit } from '../tests/node/emulator.mjs';

export async function kitSignIn(kit, { endpoint, poolId, clientId, clientSecret, username, password }) {
  const call = async (operation, body) => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) {
      const err = new Error(json.message);
      err.code = (res.headers.get('x-amzn-errortype') ?? json.__type ?? '').split(':')[0].split('#').pop();
      throw err;
    }
    return json;
  };
  const srp = new kit.SrpClient();
  const hash = (name) => (clientSecret ? { SECRET_HASH: kit.secretHash(clientSecret, name, clientId) } : {});
  const started = await call('InitiateAuth', {
    AuthFlow: 'USER_SRP_AUTH',
    ClientId: clientId,
    AuthParameters: { USERNAME: username, SRP_A: srp.srpA, ...hash(username) },
  });
  if (started.ChallengeName !== 'PASSWORD_VERIFIER') throw new Error(`unexpected challenge ${started.ChallengeName}`);
  const responses = srp.answerPasswordVerifier(poolId.split('_')[1], password, started.ChallengeParameters);
  const done = await call('RespondToAuthChallenge', {
    ChallengeName: 'PASSWORD_VERIFIER',
    ClientId: clientId,
    Session: started.Session,
    ChallengeResponses: { ...responses, ...hash(started.ChallengeParameters.USERNAME) },
  });
  return done;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [endpoint, poolId, clientId, username, password, clientSecret] = process.argv.slice(2);
  const kit = await loadKit();
  try {
    const done = await kitSignIn(kit, { endpoint, poolId, clientId, clientSecret, username, password });
    if (done.AuthenticationResult) {
      const claims = JSON.parse(Buffer.from(done.AuthenticationResult.IdToken.split('.')[1], 'base64url'));
      console.log(`signed in as ${claims['cognito:username']} (${claims.email}); ID token issued by ${claims.iss}`);
    } else {
      console.log(`next challenge: ${done.ChallengeName}`);
    }
  } catch (e) {
    console.log(`sign-in refused: ${e.code}: ${e.message}`);
    process.exitCode = 1;
  }
}
