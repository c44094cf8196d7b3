// Signs in to a user pool with the kit's CognitoAuth (SRP by default), from Node, through the wasm
// package: `node scripts/kit-signin.mjs ENDPOINT POOL_ID CLIENT_ID USERNAME PASSWORD [CLIENT_SECRET]`.
// Used by `make demo` and by tests/node/kit_signin.test.mjs.
import { loadKit } from '../tests/node/emulator.mjs';

/** Signs in; resolves to `{ nextStep, idToken?, accessToken?, refreshToken? }` (tokens once signed in). */
export async function kitSignIn(kit, { endpoint, poolId, clientId, clientSecret, username, password }) {
  // An app-provided storage, so that the stored refresh token can be shown to exist.
  const items = new Map();
  const storage = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) };
  const auth = new kit.CognitoAuth({ userPoolId: poolId, clientId, clientSecret, endpoint, storage });
  const { isSignedIn, nextStep } = await auth.signIn({ username, password });
  if (!isSignedIn) return { nextStep };
  const { idToken, accessToken } = await auth.getSession();
  const record = [...items].find(([key]) => key.endsWith('.tokens'));
  return { nextStep, idToken, accessToken, refreshToken: record && JSON.parse(record[1]).refresh_token };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [endpoint, poolId, clientId, username, password, clientSecret] = process.argv.slice(2);
  const kit = await loadKit();
  try {
    const done = await kitSignIn(kit, { endpoint, poolId, clientId, clientSecret, username, password });
    if (done.idToken) {
      const claims = JSON.parse(Buffer.from(done.idToken.split('.')[1], 'base64url'));
      console.log(`signed in as ${claims['cognito:username']} (${claims.email}); ID token issued by ${claims.iss}`);
    } else {
      console.log(`next step: ${done.nextStep.signInStep}`);
    }
  } catch (e) {
    console.log(`sign-in refused: ${e.message}`);
    process.exitCode = 1;
  }
}
