// A small AWS Lambda Invoke API server for the trigger tests: POST
// /2015-03-31/functions/{FunctionName}/invocations runs the JavaScript handler registered under that
// name and answers as Lambda does — the returned event as the body, or, when the handler throws,
// `X-Amz-Function-Error: Unhandled` with {errorMessage, errorType, stackTrace}. Every call's SigV4
// signature is checked with the AWS SDK's own signer (@smithy/signature-v4), so the emulator's
// signing is proven by a third party, and every event is recorded for the tests to inspect.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createHash, createHmac } from 'node:crypto';

const require = createRequire(new URL('../../tools/package.json', import.meta.url));
const { SignatureV4 } = require('@smithy/signature-v4');

class Sha256 {
  constructor(secret) { this.hash = secret ? createHmac('sha256', secret) : createHash('sha256'); }
  update(data) { this.hash.update(data); }
  async digest() { return new Uint8Array(this.hash.digest()); }
}

/** Recomputes the request's signature with the SDK's signer and compares. */
async function signatureMatches(req, body) {
  const auth = req.headers.authorization ?? '';
  const m = auth.match(/^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/);
  if (!m || m[4] !== 'lambda') return false;
  const [, accessKeyId, , region, , signedHeaders, signature] = m;
  const url = new URL(req.url, 'http://x');
  const headers = {};
  for (const name of signedHeaders.split(';')) headers[name] = req.headers[name];
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey: 'test' }, region, service: 'lambda', sha256: Sha256, uriEscapePath: true, applyChecksum: false });
  const amzDate = req.headers['x-amz-date'];
  const when = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signed = await signer.sign({
    method: req.method, protocol: 'http:', hostname: req.headers.host, path: url.pathname,
    query: Object.fromEntries(url.searchParams), headers, body,
  }, { signingDate: when, unsignableHeaders: new Set(['x-amz-invocation-type', 'user-agent', 'content-length', 'accept', 'accept-encoding', 'connection']) });
  const expected = signed.headers.authorization.match(/Signature=([0-9a-f]{64})/)[1];
  return expected === signature;
}

/**
 * Starts the server on a free loopback port. `handlers` maps a function name to
 * `async (event) => event`; `calls` records `{ name, qualifier, event }` in order.
 */
export async function startLambdaServer() {
  const handlers = new Map();
  const calls = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url, 'http://x');
      const m = url.pathname.match(/^\/2015-03-31\/functions\/([^/]+)\/invocations$/);
      if (req.method !== 'POST' || !m) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"Type":"User","message":"not an Invoke call"}');
        return;
      }
      if (!(await signatureMatches(req, body))) {
        res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidSignatureException' })
          .end('{"message":"The request signature we calculated does not match the signature you provided."}');
        return;
      }
      const name = decodeURIComponent(m[1]);
      const handler = handlers.get(name);
      let event;
      try { event = JSON.parse(body); } catch { event = body; }
      calls.push({ name, qualifier: url.searchParams.get('Qualifier'), event: structuredClone(event), headers: req.headers });
      if (!handler) {
        res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' })
          .end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
        return;
      }
      try {
        const result = await handler(event, { res });
        if (res.writableEnded) return;
        res.writeHead(200, { 'content-type': 'application/json' }).end(typeof result === 'string' ? result : JSON.stringify(result));
      } catch (error) {
        if (res.writableEnded) return;
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
          .end(JSON.stringify({ errorMessage: error.message, errorType: error.name, stackTrace: [] }));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    handlers,
    calls,
    /** The events sent to `name`, oldest first. */
    eventsOf: (name) => calls.filter((c) => c.name === name).map((c) => c.event),
    reset() { handlers.clear(); calls.length = 0; },
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
