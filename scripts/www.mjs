// Builds the hosted-UI pages into a folder a static host can serve, and serves it on loopback.
//
//   node scripts/www.mjs [--out target/www] [--endpoint URL] [--describe] [--config FILE] [--serve] [--host 127.0.0.1] [--port 8080]
//
// The folder holds www/ and the npm package (pkg/, built by `make pkg`) under cognito-kit/. With
// --endpoint, config.json's endpoint is replaced (the emulator's URL); with --describe, user-pool.json
// is written from DescribeUserPool on that endpoint — the same JSON `aws cognito-idp describe-user-pool`
// prints — so the pages follow the pool's real rules. With --config, the members of FILE (JSON) replace
// those of www/config.json: `make demo` builds the passwordless pages from scripts/demo-passwordless.json.
import { createHash, createHmac } from 'node:crypto';
import { access, cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const MARKER = '.cognito-kit-pages';

/** Empties `out` for a build, refusing any folder that is not an earlier build or a new one. */
async function prepareOut(out) {
  const within = (parent, child) => {
    const r = relative(parent, child);
    return r === '' || (!r.startsWith('..') && !isAbsolute(r));
  };
  if (within(out, root)) throw new Error(`refusing to build the pages into ${out}: it is (or holds) the project`);
  if (within(join(root, 'www'), out) || within(join(root, 'pkg'), out)) throw new Error(`refusing to build the pages into ${out}: it is inside a source folder`);
  const existing = await readdir(out).catch(() => null);
  if (existing && existing.length > 0) {
    const marked = await access(join(out, MARKER)).then(() => true, () => false);
    if (!marked) throw new Error(`refusing to empty ${out}: it is not an earlier build of the pages (no ${MARKER})`);
    await rm(out, { recursive: true, force: true });
  }
  await mkdir(out, { recursive: true });
  await writeFile(join(out, MARKER), 'built by scripts/www.mjs; emptied by the next build\n');
}

/**
 * Only what the pages read from a pool description. The full description names Lambda, KMS and SNS
 * ARNs (with the account id), message templates and user counts: none of it belongs on a web page.
 */
export function trimDescription(description) {
  const pool = description?.UserPool ?? description ?? {};
  const keep = {
    Name: pool.Name,
    Policies: pool.Policies?.PasswordPolicy ? { PasswordPolicy: pool.Policies.PasswordPolicy } : undefined,
    SchemaAttributes: (pool.SchemaAttributes ?? []).map(({ Name, Required, DeveloperOnlyAttribute }) => ({ Name, Required, DeveloperOnlyAttribute })),
    UsernameAttributes: pool.UsernameAttributes,
    MfaConfiguration: pool.MfaConfiguration,
    DeviceConfiguration: pool.DeviceConfiguration,
    AdminCreateUserConfig: pool.AdminCreateUserConfig
      ? { AllowAdminCreateUserOnly: pool.AdminCreateUserConfig.AllowAdminCreateUserOnly }
      : undefined,
  };
  return { UserPool: JSON.parse(JSON.stringify(keep)) };
}

export async function buildWww({ out = join(root, 'target/www'), endpoint, describe = false, config: overrides = {} } = {}) {
  out = resolve(out);
  await prepareOut(out);
  await cp(join(root, 'www'), out, { recursive: true, filter: (src) => !src.endsWith('.md') });
  await cp(join(root, 'pkg'), join(out, 'cognito-kit'), { recursive: true, filter: (src) => !src.endsWith('.gitignore') });
  const config = { ...JSON.parse(await readFile(join(root, 'www/config.json'), 'utf8')), ...overrides };
  if (endpoint) config.endpoint = endpoint;
  await writeFile(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  if (describe) {
    const description = await describeUserPool(config.endpoint, config.userPoolId);
    const trimmed = trimDescription(description);
    await writeFile(join(out, config.userPoolDescription ?? 'user-pool.json'), `${JSON.stringify(trimmed, null, 2)}\n`);
  }
  return { out, config };
}

/**
 * AWS SigV4 headers for `POST /` of cognito-idp: the emulator verifies them against its
 * credentials (default access key `test`, secret `test`; `AWS_ACCESS_KEY_ID` /
 * `AWS_SECRET_ACCESS_KEY` override them for a real pool or other emulator credentials).
 */
export function sigv4Headers(endpoint, headers, body, {
  accessKeyId = process.env.AWS_ACCESS_KEY_ID ?? 'test',
  secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  region = 'us-east-1',
  now = new Date(),
} = {}) {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const date = amzDate.slice(0, 8);
  const url = new URL(endpoint);
  const all = { ...headers, host: url.host, 'x-amz-date': amzDate };
  const names = Object.keys(all).map((n) => n.toLowerCase()).sort();
  const value = (name) => String(Object.entries(all).find(([n]) => n.toLowerCase() === name)[1]).trim().replace(/\s+/g, ' ');
  const sha256 = (data) => createHash('sha256').update(data).digest('hex');
  const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
  const canonical = ['POST', url.pathname || '/', '', ...names.map((n) => `${n}:${value(n)}`), '', names.join(';'), sha256(body)].join('\n');
  const scope = `${date}/${region}/cognito-idp/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${secretAccessKey}`, date);
  for (const part of [region, 'cognito-idp', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    'x-amz-date': amzDate,
    authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

/**
 * One user-pool API call. `admin` signs it with SigV4 (an IAM-authenticated call, as the AWS CLI
 * makes), see `sigv4Headers`.
 */
export async function callUserPool(endpoint, target, body, { admin = false } = {}) {
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
  };
  const payload = JSON.stringify(body);
  const reply = await fetch(endpoint, {
    method: 'POST',
    headers: admin ? { ...headers, ...sigv4Headers(endpoint, headers, payload) } : headers,
    body: payload,
  });
  const result = await reply.json();
  if (!reply.ok) throw new Error(`${target}: ${result.__type ?? reply.status}: ${result.message ?? ''}`);
  return result;
}

/** DescribeUserPool: the JSON `aws cognito-idp describe-user-pool` prints. */
export const describeUserPool = (endpoint, userPoolId) => callUserPool(endpoint, 'DescribeUserPool', { UserPoolId: userPoolId }, { admin: true });

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * Serves `dir` statically with the headers the pages are meant to run under: a strict Content
 * Security Policy (scripts and wasm from this origin only, requests only to the user pool's
 * endpoint), no referrer, no caching.
 */
export async function serveWww(dir, { host = '127.0.0.1', port = 0, endpoint, userPoolId = '', oauthDomain } = {}) {
  dir = resolve(dir);
  // The user pool's endpoint: the configured one, or the region's (from the pool id).
  const service = endpoint ? new URL(endpoint).origin : `https://cognito-idp.${userPoolId.split('_')[0] || 'us-east-1'}.amazonaws.com`;
  // With "oauth", the pool's domain too: the pages exchange the code at its /oauth2/token
  // (https:// when config.json names a bare host, as the package assumes).
  const domain = oauthDomain ? new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(oauthDomain) ? oauthDomain : `https://${oauthDomain}`).origin : null;
  const connect = [...new Set(["'self'", service, domain].filter(Boolean))].join(' ');
  const csp = `default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src ${connect}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;
  const server = createServer(async (req, res) => {
    let path;
    try {
      path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    } catch {
      res.writeHead(400).end();
      return;
    }
    // The well-known URL for changing passwords (https://w3c.github.io/webappsec-change-password-url/):
    // password managers send users here; it opens the account page's change-password form.
    if (path === '/.well-known/change-password' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(302, { location: '/index.html#change-password', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = join(dir, path);
    if (!file.startsWith(dir + sep) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': csp,
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return { url: `http://${host}:${address.port}/`, close: () => new Promise((r) => server.close(r)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const out = resolve(option('out', join(root, 'target/www')));
  const overlay = option('config');
  const overrides = overlay ? JSON.parse(await readFile(resolve(overlay), 'utf8')) : {};
  const { config } = await buildWww({ out, endpoint: option('endpoint'), describe: args.includes('--describe'), config: overrides });
  if (args.includes('--serve')) {
    const server = await serveWww(out, {
      host: option('host', '127.0.0.1'), port: Number(option('port', 8080)), endpoint: config.endpoint, userPoolId: config.userPoolId, oauthDomain: config.oauth?.domain,
    });
    console.log(`pages: serving ${out} at ${server.url}`);
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close().then(() => process.exit(0)));
  } else {
    console.log(`pages: built ${out}`);
  }
}
