// Compiled with `tsc --strict --noEmit` against the built package's declarations (make test).
// It fails when an export disappears or changes shape. (Per-method input/result types are still
// loose: see the npm-package issue.)
import { CognitoAuth, CognitoError, SrpClient, secretHash, cognitoTimestamp, version } from 'cognito-kit';

export async function example(): Promise<string> {
  const auth: CognitoAuth = new CognitoAuth({ userPoolId: 'us-east-1_AbC123', clientId: 'c' });
  try {
    await auth.signIn({ username: 'alice', password: 'pw' });
  } catch (e: unknown) {
    if (e instanceof CognitoError) {
      const code: string = e.code;
      const retryable: boolean = e.retryable;
      const status: number | undefined = e.status;
      return `${code} ${retryable} ${status ?? ''}`;
    }
  }
  const srp = new SrpClient();
  const a: string = srp.srpA;
  const hash: string = secretHash('secret', 'alice', 'client');
  const ts: string = cognitoTimestamp(Date.now() / 1000);
  const unsubscribe: unknown = auth.on('signedIn', () => undefined);
  return `${a}${hash}${ts}${version()}${String(unsubscribe)}`;
}
