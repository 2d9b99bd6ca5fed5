// PII protection: the payload codec (AES-256-GCM, key id in the metadata, rotation by keeping old
// keys), its keys (CODEC_KEYS, CODEC_KEYS_FILE, the key file in DATA_DIR), and, against the running
// system, that a raw history pulled from the Temporal server holds no plaintext customer address while
// the codec client, the operator CLI and the codec endpoint (Temporal's own CLI through it) read it.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  CodecKeyError,
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  PayloadDecryptionError,
  codecKeyFile,
  isEncryptedPayload,
  parseCodecKeys,
  payloadKeyId,
  resolveCodecKeys,
} from '../src/codec';
import { loadConfig } from '../src/config';
import { orderWorkflowId } from '../src/apicbase/order';
import type { HublifyOrderCreateRequest } from '../src/hublify/types';
import { statusQuery } from '../workflows/order-messages';
import { orderWithUnknownArticle, sampleOrder } from './helpers/sample-order';
import { stageIs, waitForStatus } from './helpers/orders';
import { startTestSystem, type TestSystem } from './helpers/system';
import { temporalCliForTests } from './helpers/temporal';
import { deliverOrder } from './helpers/webhook';

const root = path.resolve(__dirname, '..');
const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const OLD = `old-1:${key(1)}`;
const NEW = `new-2:${key(2)}`;
const json = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const plain = (p: Payload) => defaultPayloadConverter.fromPayload<unknown>(p);

/** Every spelling of the street of CUST-001 (config/customers.example.json) a history could carry. */
const STREET_FORMS = [
  'Müllerstraße',
  'M\\u00fcllerstra\\u00dfe',
  'M\\u00FCllerstra\\u00DFe',
  'Gasthaus Zum Löwen',
  'Jürgen',
];
const containsPlainAddress = (bytes: Uint8Array | string) => {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  return STREET_FORMS.filter((s) => text.includes(s));
};

void describe('payload codec: AES-256-GCM with key ids', () => {
  void it('encrypts a payload (encoding binary/encrypted, key id in the metadata) and decrypts it back', async () => {
    const codec = new EncryptionCodec(parseCodecKeys(NEW));
    const original = json({ street: 'Müllerstraße', housenr: '12a' });
    const [encoded] = await codec.encode([original]);
    assert.ok(encoded && isEncryptedPayload(encoded));
    assert.equal(Buffer.from(encoded.metadata!.encoding!).toString(), ENCRYPTED_ENCODING);
    assert.equal(payloadKeyId(encoded), 'new-2');
    assert.equal(Buffer.from(encoded.metadata!['encryption-cipher']!).toString(), 'AES-256-GCM');
    assert.deepEqual(containsPlainAddress(encoded.data!), []);
    assert.equal(
      Buffer.from(encoded.data!).includes(Buffer.from('json/plain')),
      false,
      'the inner metadata is encrypted too',
    );
    const [decoded] = await codec.decode([encoded]);
    assert.deepEqual(plain(decoded!), { street: 'Müllerstraße', housenr: '12a' });
    // A fresh IV each time: the same value never gives the same ciphertext.
    const [again] = await codec.encode([original]);
    assert.notDeepEqual(Buffer.from(again!.data!), Buffer.from(encoded.data!));
  });

  void it('decodes only what it encrypted: plain payloads pass through, encrypted ones are not encrypted twice', async () => {
    const codec = new EncryptionCodec(parseCodecKeys(NEW));
    const p = json({ a: 1 });
    const binaryNull: Payload = { metadata: { encoding: Buffer.from('binary/null') } };
    assert.deepEqual(await codec.decode([p, binaryNull]), [p, binaryNull]);
    const [once] = await codec.encode([p]);
    const [twice] = await codec.encode([once!]);
    assert.equal(twice, once);
  });

  void it('rotates keys: the first key encrypts, older keys still decrypt, a dropped key fails loudly', async () => {
    const before = new EncryptionCodec(parseCodecKeys(OLD));
    const [old] = await before.encode([json('from before the rotation')]);
    const rotated = new EncryptionCodec(parseCodecKeys(`${NEW},${OLD}`));
    assert.equal(rotated.currentKeyId, 'new-2');
    const [fresh] = await rotated.encode([json('after')]);
    assert.equal(payloadKeyId(fresh!), 'new-2');
    assert.deepEqual((await rotated.decode([old!, fresh!])).map(plain), ['from before the rotation', 'after']);
    const dropped = new EncryptionCodec(parseCodecKeys(NEW));
    await assert.rejects(
      dropped.decode([old!]),
      (err: Error) => err instanceof PayloadDecryptionError && /key "old-1"/.test(err.message),
    );
  });

  void it('refuses altered ciphertext, a swapped key id and a different key under the same id', async () => {
    const codec = new EncryptionCodec(parseCodecKeys(`${NEW},${OLD}`));
    const [enc] = await codec.encode([json({ x: 1 })]);
    const flipped = Buffer.from(enc!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await assert.rejects(codec.decode([{ ...enc!, data: flipped }]), /failed authentication/);
    const relabelled = { ...enc!, metadata: { ...enc!.metadata, 'encryption-key-id': Buffer.from('old-1') } };
    await assert.rejects(codec.decode([relabelled]), /failed authentication/);
    const impostor = new EncryptionCodec(parseCodecKeys(`new-2:${key(9)}`));
    await assert.rejects(impostor.decode([enc!]), PayloadDecryptionError);
  });

  void it('parses CODEC_KEYS and says what is wrong without printing a key', () => {
    const ring = parseCodecKeys(`# comment\n${NEW}\n${OLD}\n`);
    assert.deepEqual([...ring.byId.keys()], ['new-2', 'old-1']);
    assert.equal(ring.current.id, 'new-2');
    assert.equal(parseCodecKeys(`hex:${'ab'.repeat(32)}`).current.key.length, 32);
    for (const [bad, why] of [
      ['', /no key/],
      [`${NEW},${NEW}`, /appears twice/],
      [key(1), /<id>:<base64 key>/],
      ['short:AAAA', /must be 32 bytes/],
      ['bad id:' + key(1), /<id>:<base64 key>/],
    ] as const) {
      assert.throws(
        () => parseCodecKeys(bad),
        (err: Error) => err instanceof CodecKeyError && why.test(err.message) && !err.message.includes(key(1)),
      );
    }
  });

  void it('without CODEC_KEYS: creates DATA_DIR/payload-codec.keys (0600) once and reuses it; the CLI only reads it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'codec-keys-'));
    try {
      assert.throws(() => resolveCodecKeys({ dataDir: dir, create: false }), /no payload codec keys: set CODEC_KEYS/);
      const first = resolveCodecKeys({ dataDir: dir, create: true });
      assert.equal(first.created, true);
      assert.equal(statSync(codecKeyFile(dir)).mode & 0o777, 0o600);
      const second = resolveCodecKeys({ dataDir: dir, create: true });
      assert.equal(second.created, false);
      assert.equal(second.current.id, first.current.id);
      assert.deepEqual(resolveCodecKeys({ dataDir: dir, create: false }).current.key, first.current.key);
      // CODEC_KEYS wins over the file; CODEC_KEYS_FILE is read into CODEC_KEYS by the configuration.
      writeFileSync(path.join(dir, 'mounted-keys'), `${NEW}\n${OLD}\n`);
      const config = loadConfig({ DATA_DIR: dir, CODEC_KEYS_FILE: path.join(dir, 'mounted-keys') });
      assert.equal(resolveCodecKeys({ keys: config.CODEC_KEYS, dataDir: dir, create: true }).current.id, 'new-2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- against the running system ------------------------------------------------------------------

const CODEC_TOKEN = 'codec-token-for-tests-0123456789';
const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const UI_ORIGIN = 'http://127.0.0.1:8233'; // the test system's TEMPORAL_UI_URL

interface RawPayload {
  metadata?: Record<string, string>;
  data?: string;
}
const toRaw = (p: Payload): RawPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});
const fromRaw = (p: RawPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

void describe('payload codec in the running system', () => {
  let system: TestSystem;
  const order = sampleOrder({ supplier_customer_number: 'CUST-001' });
  const workflowId = orderWorkflowId(order.id);

  before(async () => {
    system = await startTestSystem({ CODEC_AUTH_TOKEN: CODEC_TOKEN, ADMIN_TOKEN });
    const res = await deliverOrder(system.baseUrl, order);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const handle = system.relay.client.workflow.getHandle(workflowId);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    system.sandbox.ship(order.order_number, { shipments: [{ trackingCode: 'PII-1' }] });
    await waitForStatus(handle, stageIs('SHIPPED'));
  });
  after(async () => {
    await system?.close();
  });

  const rawHistory = async () => system.env.client.workflow.getHandle(workflowId).fetchHistory();

  void it('Hublify got the real address (so the checks below look for something that exists)', () => {
    assert.equal(system.sandbox.order(order.order_number)?.order.invoice_street, 'Müllerstraße');
  });

  void it('a raw history pulled from the server (client without the codec) holds no plaintext customer address', async () => {
    const history = await rawHistory();
    const bytes = temporal.api.history.v1.History.encode(history).finish();
    assert.ok(bytes.length > 1000, 'a real history');
    assert.deepEqual(containsPlainAddress(bytes), []);
    assert.deepEqual(
      containsPlainAddress(
        JSON.stringify(
          temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.decode(bytes), { bytes: String }),
        ),
      ),
      [],
    );
    // Every payload the workflow and its activities carry is encrypted; search attributes are not payloads of ours.
    const events = history.events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    assert.ok(started?.input?.payloads?.every(isEncryptedPayload), 'workflow input encrypted');
    // Remote activities' results, and local activities' (recorded in markers since order-workflow-v2).
    const results = events.flatMap((e) => [
      ...(e.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
      ...(e.markerRecordedEventAttributes?.markerName === 'core_local_activity'
        ? (e.markerRecordedEventAttributes.details?.result?.payloads ?? [])
        : []),
    ]);
    assert.ok(results.length >= 3 && results.every(isEncryptedPayload), 'activity results encrypted');
    const summary = events[0]?.userMetadata?.summary;
    assert.ok(summary && isEncryptedPayload(summary), 'the workflow summary is encrypted too');

    // …and the same history decrypted with the relay's codec does contain the address (checkOrder's result, a
    // local activity recorded in a marker since order-workflow-v2).
    const checked = events.find((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
    const [decoded] = await system.relay.codec.decode(
      checked!.markerRecordedEventAttributes!.details!.result!.payloads!,
    );
    const result = defaultPayloadConverter.fromPayload<{ ok: boolean; request: HublifyOrderCreateRequest }>(decoded!);
    assert.equal(result.request.fields.order.invoice_street, 'Müllerstraße');
  });

  void it('`temporal workflow show --output json` shows ciphertext; through the codec endpoint it shows the address', async () => {
    const run = promisify(execFile);
    const base = [
      temporalCliForTests(),
      ['workflow', 'show', '--address', system.env.address, '--workflow-id', workflowId, '--output', 'json'],
    ] as const;
    // The CLI prints payload data as base64: read every payload's data as text.
    const payloadTexts = (out: string) => {
      const texts: string[] = [];
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) return node.forEach(walk);
        if (!node || typeof node !== 'object') return;
        const o = node as Record<string, unknown>;
        if (o.metadata && typeof o.data === 'string') texts.push(Buffer.from(o.data, 'base64').toString('utf8'));
        Object.values(o).forEach(walk);
      };
      walk(JSON.parse(out));
      return texts.join('\n');
    };
    const raw = await run(base[0], [...base[1]], { maxBuffer: 64 << 20 });
    assert.match(raw.stdout, /YmluYXJ5L2VuY3J5cHRlZA==/, 'binary/encrypted payloads');
    assert.deepEqual(containsPlainAddress(raw.stdout), []);
    assert.deepEqual(containsPlainAddress(payloadTexts(raw.stdout)), []);
    const decoded = await run(
      base[0],
      [...base[1], '--codec-endpoint', `${system.baseUrl}/codec`, '--codec-auth', `Bearer ${CODEC_TOKEN}`],
      { maxBuffer: 64 << 20 },
    );
    assert.doesNotMatch(decoded.stdout, /YmluYXJ5L2VuY3J5cHRlZA==/, 'every payload decoded');
    assert.ok(payloadTexts(decoded.stdout).includes('Müllerstraße'), 'decoded through order-relay /codec');
  });

  void it("failure texts are encrypted too: a Hublify refusal's message is not in the raw history, but reads through the codec", async () => {
    const refused = orderWithUnknownArticle();
    const refusedId = orderWorkflowId(refused.id);
    assert.equal((await deliverOrder(system.baseUrl, refused)).status, 200);
    const handle = system.relay.client.workflow.getHandle(refusedId);
    const status = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    assert.match(status.lastError ?? '', /NO-SUCH-ITEM/, 'the operator still reads why');
    const raw = await system.env.client.workflow.getHandle(refusedId).fetchHistory();
    const failures = (raw.events ?? []).flatMap((e) =>
      e.activityTaskFailedEventAttributes?.failure ? [e.activityTaskFailedEventAttributes.failure] : [],
    );
    assert.ok(failures.length >= 1, 'injectOrder failed in the history');
    const rawText = Buffer.from(temporal.api.history.v1.History.encode(raw).finish()).toString('latin1');
    assert.doesNotMatch(rawText, /NO-SUCH-ITEM/, 'no refusal text in plain');
    for (const failure of failures) {
      assert.equal(failure.message, 'Encoded failure');
      assert.ok(failure.encodedAttributes && isEncryptedPayload(failure.encodedAttributes));
      const [attributes] = await system.relay.codec.decode([failure.encodedAttributes]);
      assert.match(JSON.stringify(plain(attributes!)), /NO-SUCH-ITEM/);
    }
    await handle.cancel();
  });

  void it('the status query through the codec client shows the order', async () => {
    const status = await system.relay.client.workflow.getHandle(workflowId).query(statusQuery);
    assert.equal(status.orderNumber, order.order_number);
    assert.equal(status.stage, 'SHIPPED');
    assert.deepEqual(
      status.shipments.map((s) => s.trackingCode),
      ['PII-1'],
    );
  });

  void it('`order-relay orders show` decrypts with the keys in DATA_DIR and displays the address; without keys it says so', async () => {
    const cli = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', 'src/cli/order-relay.ts', 'orders', 'show', order.order_number, '--json'],
          {
            cwd: root,
            env: { PATH: process.env.PATH ?? '', TEMPORAL_ADDRESS: system.env.address, LOG_LEVEL: 'silent', ...env },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      });
    const shown = await cli({ DATA_DIR: system.dataDir });
    assert.equal(shown.code, 0, shown.stderr);
    const details = JSON.parse(shown.stdout) as { stage: string; addresses?: { invoice?: { street?: string } } };
    assert.equal(details.stage, 'SHIPPED');
    assert.equal(details.addresses?.invoice?.street, 'Müllerstraße');

    const empty = mkdtempSync(path.join(tmpdir(), 'no-keys-'));
    try {
      const refused = await cli({ DATA_DIR: empty });
      assert.equal(refused.code, 2, refused.stdout + refused.stderr);
      assert.match(refused.stderr + refused.stdout, /no payload codec keys: set CODEC_KEYS/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  // ---- the codec endpoint ----
  const codecCall = (op: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${system.baseUrl}/codec/${op}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
      body: JSON.stringify(body),
    });
  const encryptedStatusPayloads = async () => {
    const history = await rawHistory();
    const completed = (history.events ?? []).find((e) => e.workflowExecutionCompletedEventAttributes);
    return completed!.workflowExecutionCompletedEventAttributes!.result!.payloads!;
  };

  void it('decodes for a bearer token (CODEC_AUTH_TOKEN or ADMIN_TOKEN), in the remote codec protocol', async () => {
    const payloads = (await encryptedStatusPayloads()).map(toRaw);
    for (const token of [CODEC_TOKEN, ADMIN_TOKEN]) {
      const res = await codecCall('decode', { payloads }, { authorization: `Bearer ${token}` });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { payloads: RawPayload[] };
      const status = defaultPayloadConverter.fromPayload<{ orderNumber: string; stage: string }>(
        fromRaw(body.payloads[0]!),
      );
      assert.equal(status.orderNumber, order.order_number);
      assert.equal(status.stage, 'SHIPPED');
    }
    // encode → decode round trip (what the Web UI does for a signal's input)
    const enc = await codecCall(
      'encode',
      { payloads: [toRaw(json({ street: 'Müllerstraße' }))] },
      { authorization: `Bearer ${CODEC_TOKEN}` },
    );
    const encoded = ((await enc.json()) as { payloads: RawPayload[] }).payloads;
    assert.ok(isEncryptedPayload(fromRaw(encoded[0]!)));
    const dec = await codecCall('decode', { payloads: encoded }, { authorization: `Bearer ${CODEC_TOKEN}` });
    assert.deepEqual(plain(fromRaw(((await dec.json()) as { payloads: RawPayload[] }).payloads[0]!)), {
      street: 'Müllerstraße',
    });
  });

  void it('refuses a missing or wrong token, another namespace, altered payloads and non-JSON bodies', async () => {
    const payloads = (await encryptedStatusPayloads()).map(toRaw);
    const missing = await codecCall('decode', { payloads });
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /Bearer/);
    assert.equal(
      (await codecCall('decode', { payloads }, { authorization: 'Bearer wrong-token-wrong-token' })).status,
      401,
    );
    const auth = { authorization: `Bearer ${CODEC_TOKEN}` };
    assert.equal((await codecCall('decode', { payloads }, { ...auth, 'x-namespace': 'other' })).status, 403);
    const altered = {
      ...payloads[0]!,
      data: Buffer.from(Buffer.from(payloads[0]!.data!, 'base64').map((b, i) => (i === 30 ? b ^ 1 : b))).toString(
        'base64',
      ),
    };
    const refused = await codecCall('decode', { payloads: [altered] }, auth);
    assert.equal(refused.status, 422);
    assert.match(((await refused.json()) as { error: string }).error, /failed authentication/);
    assert.equal((await codecCall('decode', { payloads: 'not a list' }, auth)).status, 400);
    const text = await fetch(`${system.baseUrl}/codec/decode`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'x',
    });
    assert.equal(text.status, 415);
    assert.equal((await codecCall('nothing', { payloads }, auth)).status, 404);
  });

  void it('answers CORS for the Web UI origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${system.baseUrl}/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
    const ok = await preflight(UI_ORIGIN);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /X-Namespace/i);
    assert.match(ok.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal(
      (await preflight('http://localhost:8233')).headers.get('access-control-allow-origin'),
      'http://localhost:8233',
    );
    const evil = await preflight('https://evil.example');
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const payloads = (await encryptedStatusPayloads()).map(toRaw);
    const fromUi = await codecCall(
      'decode',
      { payloads },
      { origin: UI_ORIGIN, authorization: `Bearer ${CODEC_TOKEN}` },
    );
    assert.equal(fromUi.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.equal(
      (
        await codecCall(
          'decode',
          { payloads },
          { origin: 'https://evil.example', authorization: `Bearer ${CODEC_TOKEN}` },
        )
      ).status,
      403,
    );
  });

  void it('embedded dev mode (CODEC_LOOPBACK_UNAUTHENTICATED): loopback callers decode without a token, a rebound host name does not', async () => {
    const payloads = (await encryptedStatusPayloads()).map(toRaw);
    await system.restartRelay({ CODEC_AUTH_TOKEN: '', ADMIN_TOKEN: '' });
    assert.equal((await codecCall('decode', { payloads })).status, 503, 'no token configured and not dev mode: closed');
    await system.restartRelay({ CODEC_AUTH_TOKEN: CODEC_TOKEN, CODEC_LOOPBACK_UNAUTHENTICATED: 'true' });
    const open = await codecCall('decode', { payloads }, { origin: UI_ORIGIN });
    assert.equal(open.status, 200);
    assert.equal(
      (await codecCall('decode', { payloads }, { authorization: 'Bearer wrong-token-wrong-token' })).status,
      401,
      'a wrong token is still wrong',
    );
    // A page on a DNS name rebound to 127.0.0.1 sends its own Host header: refused.
    const rebound = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ payloads });
      const req = http.request(
        `${system.baseUrl}/codec/decode`,
        {
          method: 'POST',
          headers: {
            host: `attacker.example:${system.relay.httpPort}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => (res.resume(), resolve(res.statusCode ?? 0)),
      );
      req.once('error', reject);
      req.end(body);
    });
    assert.equal(rebound, 401);
  });

  void it('the key file the test system wrote is what the relay uses (CODEC_KEYS and DATA_DIR agree)', () => {
    const fileId = readFileSync(codecKeyFile(system.dataDir), 'utf8').split(':')[0];
    assert.equal(system.relay.codec.currentKeyId, fileId);
  });
});
