// The lazy entry's declarations under the same checks as the main entry's (tsconfig.es2020.json).
import { ready, CognitoAuth } from 'cognito-kit/lazy';

export async function lazyExample(): Promise<boolean> {
  const loaded: Promise<void> = ready;
  await loaded;
  // @ts-expect-error ready resolves to nothing
  const wrong: string = await ready;
  return new CognitoAuth({ userPoolId: 'us-east-1_AbC123', clientId: 'c' }) instanceof CognitoAuth && wrong === undefined;
}
