// The codec endpoint's loopback exception (CODEC_LOOPBACK_UNAUTHENTICATED, the embedded dev server's
// Web UI) is for callers on this machine only. A reverse proxy on this machine also connects from
// loopback, on behalf of anyone: a request that says it was forwarded never gets the exception. And the
// exception is for decoding only: encoding for anyone on the machine would be an encryption oracle.
// Real HTTP against the app the relay serves (createHttpApp + codecRoutes) with a real AES codec.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, generateCodecKeyLine, parseCodecKeys } from '../src/codec';
import { codecRoutes } from '../src/codec/codec-routes';
import { createHttpApp, listen } from '../src/http/app';
import { createHttpMetrics } from '../src/http/metrics';
import { createLogger } from '../src/logger';

const CODEC_TOKEN = 'codec-token-for-proxy-tests';

void describe('codec endpoint: the loopback exception never applies to a proxied request', () => {
  let server: Awaited<ReturnType<typeof listen>>;
  let base: string;
  let payloads: Array<{ metadata: Record<string, string>; data: string }>;

  before(async () => {
    const codec = new EncryptionCodec(parseCodecKeys(generateCodecKeyLine()));
    const logger = createLogger('silent');
    const app = createHttpApp({
      logger,
      metrics: createHttpMetrics(),
      readiness: [],
      routers: [
        codecRoutes({
          codec,
          namespace: 'default',
          tokens: [CODEC_TOKEN],
          allowedOrigins: [],
          loopbackUnauthenticated: true,
          logger,
        }),
      ],
    });
    server = await listen(app, '127.0.0.1', 0);
    base = `http://127.0.0.1:${server.port}`;
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload({ street: 'Müllerstraße 1' })]);
    const toBase64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');
    payloads = [
      {
        metadata: Object.fromEntries(Object.entries(encrypted!.metadata ?? {}).map(([k, v]) => [k, toBase64(v)])),
        data: toBase64(encrypted!.data),
      },
    ];
  });
  after(async () => {
    await server?.close();
  });

  const decode = (headers: Record<string, string> = {}) =>
    fetch(`${base}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ payloads }),
    });

  void it('a loopback caller without proxy headers decodes without a token (the dev Web UI)', async () => {
    const res = await decode();
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { payloads: Array<{ data: string }> };
    assert.match(Buffer.from(body.payloads[0]!.data, 'base64').toString('utf8'), /Müllerstraße 1/);
  });

  void it('X-Forwarded-For, Forwarded or X-Real-IP (any value, even a loopback one): 401 without a token', async () => {
    const forwarded: Array<Record<string, string>> = [
      { 'x-forwarded-for': '203.0.113.7' },
      { 'x-forwarded-for': '127.0.0.1' },
      { forwarded: 'for=198.51.100.2;proto=https' },
      { forwarded: 'for=127.0.0.1' },
      { 'x-real-ip': '203.0.113.7' },
      { 'x-forwarded-for': '' },
    ];
    for (const headers of forwarded) {
      const res = await decode(headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.match(res.headers.get('www-authenticate') ?? '', /Bearer/);
    }
  });

  void it('a loopback caller without a token may not encode (issue 24.6): 401, and no ciphertext', async () => {
    const plain = [
      {
        metadata: { encoding: Buffer.from('json/plain').toString('base64') },
        data: Buffer.from('{"a":1}').toString('base64'),
      },
    ];
    const encode = (headers: Record<string, string> = {}) =>
      fetch(`${base}/codec/encode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ payloads: plain }),
      });
    const open = await encode();
    assert.equal(open.status, 401, await open.clone().text());
    assert.match(open.headers.get('www-authenticate') ?? '', /Bearer/);
    assert.ok(!('payloads' in ((await open.json()) as object)), 'no payloads in the refusal');
    const authorised = await encode({ authorization: `Bearer ${CODEC_TOKEN}` });
    assert.equal(authorised.status, 200);
    const [encrypted] = ((await authorised.json()) as { payloads: Array<{ metadata: Record<string, string> }> })
      .payloads;
    assert.equal(Buffer.from(encrypted!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
  });

  void it('a proxied request with the bearer token still decodes', async () => {
    const res = await decode({ 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${CODEC_TOKEN}` });
    assert.equal(res.status, 200);
  });
});
