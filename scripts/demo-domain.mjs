// Gives a pool of the emulator a domain and lets an app client of it sign in through that domain,
// for `make demo` and the pages' tests: the emulator's --config cannot hold domains or redirect URLs
// that depend on the port the pages are served on, so they are set through the API at start.
//
//   node scripts/demo-domain.mjs --endpoint URL --pool ID --client ID --domain NAME --pages URL [--out FILE]
//
// Creates the domain, then sets the client's CallbackURLs and LogoutURLs to the pages' URL, the code
// flow, the managed login (COGNITO) and the scopes the pages ask for. With --out, writes the pages'
// config overlay ({"oauth": {...}}) for `node scripts/www.mjs --config FILE`.
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// What UpdateUserPoolClient takes: the members it is not given are reset (as in the service), so
// every one of them is copied from DescribeUserPoolClient.
const UPDATABLE = [
  'ClientName', 'RefreshTokenValidity', 'AccessTokenValidity', 'IdTokenValidity', 'TokenValidityUnits', 'ReadAttributes',
  'WriteAttributes', 'ExplicitAuthFlows', 'SupportedIdentityProviders', 'CallbackURLs', 'LogoutURLs', 'DefaultRedirectURI',
  'AllowedOAuthFlows', 'AllowedOAuthScopes', 'AllowedOAuthFlowsUserPoolClient', 'AnalyticsConfiguration',
  'PreventUserExistenceErrors', 'EnableTokenRevocation', 'EnablePropagateAdditionalUserContextData', 'AuthSessionValidity',
  'RefreshTokenRotation',
];

/** The scopes the pages ask for by default (www/config.js). */
export const PAGES_SCOPES = ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'];

/**
 * Creates `domain` on `poolId` and opens `clientId` to the code flow with the managed login, back
 * to `pagesUrl`. Returns the domain's URL base, as the pages' "oauth.domain" takes it.
 */
export async function setUpDomain({ endpoint, poolId, clientId, domain, pagesUrl, scopes = PAGES_SCOPES }) {
  const sdk = createRequire(join(root, 'tools/package.json'))('@aws-sdk/client-cognito-identity-provider');
  const client = new sdk.CognitoIdentityProviderClient({
    region: poolId.split('_')[0],
    endpoint: endpoint.replace(/\/$/, ''),
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' },
    maxAttempts: 1,
  });
  try {
    await client.send(new sdk.CreateUserPoolDomainCommand({ UserPoolId: poolId, Domain: domain }));
    const { UserPoolClient: current } = await client.send(new sdk.DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }));
    const kept = Object.fromEntries(UPDATABLE.filter((name) => current[name] !== undefined).map((name) => [name, current[name]]));
    await client.send(new sdk.UpdateUserPoolClientCommand({
      ...kept,
      UserPoolId: poolId,
      ClientId: clientId,
      CallbackURLs: [pagesUrl],
      LogoutURLs: [pagesUrl],
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: scopes,
      SupportedIdentityProviders: ['COGNITO'],
    }));
  } finally {
    client.destroy();
  }
  return `${endpoint.replace(/\/$/, '')}/domains/${domain}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const i = args.indexOf(`--${name}`);
    if (i < 0 || !args[i + 1]) throw new Error(`--${name} is missing`);
    return args[i + 1];
  };
  const pagesUrl = option('pages');
  const domain = await setUpDomain({ endpoint: option('endpoint'), poolId: option('pool'), clientId: option('client'), domain: option('domain'), pagesUrl });
  console.log(`domain: ${domain} (client ${option('client')} signs in through it, back to ${pagesUrl})`);
  if (args.includes('--out')) {
    const overlay = { oauth: { domain, redirectSignIn: pagesUrl, redirectSignOut: pagesUrl, hostedPage: true } };
    await writeFile(option('out'), `${JSON.stringify(overlay, null, 2)}\n`);
  }
}
