// A tiny app, as a user writes it: import the package by name, sign in, show the result.
import { CognitoAuth, CognitoError } from 'cognito-kit';

const params = new URLSearchParams(location.search);
const auth = new CognitoAuth({
  userPoolId: 'us-east-1_DemoPool1',
  clientId: 'demopublicclient0000000001',
  endpoint: params.get('endpoint'),
  storage: 'memory',
});
const result = {};
try {
  await auth.signIn({ username: 'alice@example.com', password: 'not-it' });
} catch (e) {
  result.wrong = { isCognitoError: e instanceof CognitoError, code: e.code };
}
result.signIn = await auth.signIn({ username: 'alice@example.com', password: 'Passw0rd!' });
result.email = (await auth.getSession()).idTokenClaims.email;
window.__result = result;
