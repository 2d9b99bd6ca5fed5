// HublifyClient: a contract suite run against the in-process sandbox always, and against a real
// channel when HUBLIFY_URL and HUBLIFY_CHANNEL_TOKEN are set; then the client's handling of every
// kind of failure (sandbox faults and a scripted server), and its keeping of secrets.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { createLogger } from '../src/logger';
import { HublifyClient } from '../src/hublify/client';
import {
  HublifyAuthError,
  HublifyError,
  HublifyRejectedError,
  HublifyTransientError,
  isRetryable,
} from '../src/hublify/errors';
import { fieldsNotAvailableForUpdate, fieldsUpdated, parseUpdateMessages } from '../src/hublify/message-texts';
import { parseRetryAfter } from '../src/hublify/retry-after';
import { exampleOrderCreateRequest } from '../src/hublify/sandbox/example-order';
import { startHublifySandbox, type HublifySandbox } from '../src/hublify/sandbox/server';
import type { HublifyOrderFields } from '../src/hublify/types';
import { pollUntil } from '../src/poll-until';
import { PATIENCE_MS } from './helpers/patience';

// ---------------------------------------------------------------------------------------------
// The contract suite
// ---------------------------------------------------------------------------------------------

interface ContractTarget {
  baseUrl: string;
  channel: string;
  token: string;
  /** A product code the target's PIM knows. */
  productCode: string;
  /** The sandbox's operator controls; without them, tests that need shipped orders are skipped. */
  control?: Pick<HublifySandbox, 'ship' | 'setState'>;
  close?: () => Promise<void>;
}

const NEEDS_CONTROL = 'needs the sandbox control API to ship orders';

/** Runs every verb and every answer the seed documents against `openTarget()`'s channel. */
function hublifyContract(openTarget: () => Promise<ContractTarget>): void {
  let target: ContractTarget;
  let client: HublifyClient;
  // Unique per run, so a real channel never sees the same o_orderid_external twice.
  const run = `ORCT-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  let sequence = 0;
  const externalId = () => `${run}-${++sequence}`;

  const order = (fields: Partial<HublifyOrderFields> = {}) => {
    const request = exampleOrderCreateRequest({
      o_orderid_external: externalId(),
      o_comment: `order-relay contract test ${run}`,
      orderitems: [{ oi_pcode: target.productCode, oi_quantity: 1 }],
      ...fields,
    });
    if (request.fields.person) request.fields.person.p_personid_external = run;
    return request;
  };

  before(async () => {
    target = await openTarget();
    client = new HublifyClient({
      baseUrl: target.baseUrl,
      channel: target.channel,
      token: target.token,
      timeoutMs: 5_000,
    });
  });
  after(() => target.close?.());

  void it('stats: answers status true', async () => {
    await client.stats();
  });

  void it('order_create: a new order is received, with Hublify ids and our external id', async () => {
    const request = order();
    const result = await client.orderCreate(request);
    assert.equal(result.duplicate, false);
    assert.equal(result.data.order_state_code, 'received');
    assert.equal(result.data.o_orderid_external, request.fields.order.o_orderid_external);
    assert.ok(result.data.orderid);
    assert.ok(result.data.personid);
  });

  void it("order_create: without orderitems it is rejected with Hublify's text, not retryable", async () => {
    const request = order();
    delete request.fields.order.orderitems;
    await assert.rejects(client.orderCreate(request), (err) => {
      assert.ok(err instanceof HublifyRejectedError);
      assert.equal(err.kind, 'rejected');
      assert.equal(err.message, "Missing mandatory field 'orderitems'");
      assert.deepEqual(err.messages, [{ type: 'ERROR', text: "Missing mandatory field 'orderitems'" }]);
      assert.equal(isRetryable(err), false);
      return true;
    });
  });

  void it('order_create: an unknown product is rejected', async () => {
    const request = order({ orderitems: [{ oi_pcode: `NO-SUCH-PRODUCT-${run}`, oi_quantity: 1 }] });
    await assert.rejects(
      client.orderCreate(request),
      (err) => err instanceof HublifyRejectedError && !isRetryable(err),
    );
  });

  void it('order_create: the same o_orderid_external again is a duplicate carrying the existing ids', async () => {
    const request = order();
    const first = await client.orderCreate(request);
    const second = await client.orderCreate(request);
    assert.equal(second.duplicate, true);
    assert.equal(second.data.orderid, first.data.orderid);
    assert.equal(second.data.personid, first.data.personid);
    assert.equal(second.data.o_orderid_external, request.fields.order.o_orderid_external);
    assert.ok(second.data.order_state_name);
    assert.deepEqual(second.messages, [
      {
        type: 'WARNING',
        text: `Order "${request.fields.order.o_orderid_external}" was already injected and will be skipped.`,
      },
    ]);
  });

  void it('order_update: lists the fields updated and the fields refused', async () => {
    const { data } = await client.orderCreate(order());
    const result = await client.orderUpdate(
      { orderid: data.orderid },
      { order: { deliver_street: 'ThirdStreet', deliver_housenr: '3c', not_allowed_field: 'change it' } },
    );
    assert.deepEqual(result.updated, ['deliver_street', 'deliver_housenr']);
    assert.deepEqual(result.refused, ['not_allowed_field']);
    assert.deepEqual(result.messages, [
      { type: 'OK', text: 'The following order-fields have been updated: deliver_street, deliver_housenr' },
      { type: 'WARNING', text: 'The following order-fields are not available for update: not_allowed_field' },
    ]);
  });

  void it('order_update: by o_orderid_external', async () => {
    const request = order();
    await client.orderCreate(request);
    const result = await client.orderUpdate(
      { o_orderid_external: request.fields.order.o_orderid_external },
      { order: { o_comment: 'changed' } },
    );
    assert.deepEqual(result, { updated: ['o_comment'], refused: [], messages: result.messages });
  });

  void it('order_update: a shipped order can no longer be changed', async (t) => {
    if (!target.control) return t.skip(NEEDS_CONTROL);
    const { data } = await client.orderCreate(order());
    target.control.ship(data.orderid);
    await assert.rejects(
      client.orderUpdate({ orderid: data.orderid }, { order: { deliver_street: 'Late Street' } }),
      (err) => {
        assert.ok(err instanceof HublifyRejectedError);
        assert.equal(err.message, 'Changes to this order are no longer possible.');
        assert.equal(isRetryable(err), false);
        return true;
      },
    );
  });

  void it('order_update: an unknown order is rejected with "Order not found."', async () => {
    await assert.rejects(client.orderUpdate({ o_orderid_external: `${run}-unknown` }, { order: { o_comment: 'x' } }), {
      name: 'HublifyRejectedError',
      message: 'Order not found.',
    });
  });

  void it('order_get: by orderid and by o_orderid_external, the basic answer', async () => {
    const request = order();
    const { data } = await client.orderCreate(request);
    const byId = await client.orderGet({ orderid: data.orderid });
    const byExternal = await client.orderGet({ o_orderid_external: request.fields.order.o_orderid_external });
    for (const got of [byId, byExternal]) {
      assert.equal(got.orderid, data.orderid);
      assert.equal(got.personid, data.personid);
      assert.equal(got.o_orderid_external, request.fields.order.o_orderid_external);
      assert.equal(got.order_state_code, 'received');
    }
  });

  void it('order_get: a shipped order lists every shipment in delivery_list', async (t) => {
    if (!target.control) return t.skip(NEEDS_CONTROL);
    const { data } = await client.orderCreate(order());
    target.control.ship(data.orderid, {
      partial: true,
      shipments: [{ trackingCode: '12345678901234567C', sentAt: '2021-03-21 12:34:56' }],
    });
    assert.equal((await client.orderGet({ orderid: data.orderid })).order_state_code, 'partially_shipped');
    target.control.ship(data.orderid, { shipments: [{ carrier: 'dpd', trackingCode: '01234567890123' }] });

    const got = await client.orderGet({ orderid: data.orderid });
    assert.equal(got.order_state_code, 'shipped');
    assert.deepEqual(
      got.delivery_list?.map((s) => [s.shp_c_label, s.dv_extcode, s.orderid, s.personid]),
      [
        ['dhl', '12345678901234567C', data.orderid, data.personid],
        ['dpd', '01234567890123', data.orderid, data.personid],
      ],
    );
    const [dhl] = got.delivery_list ?? [];
    assert.equal(dhl?.shp_c_name, 'Deutsche Post DHL');
    assert.equal(
      dhl?.drvd_dv_trace_url,
      'http://nolp.dhl.de/nextt-online-public/set_identcodes.do?lang=de&idc=12345678901234567C',
    );
    assert.equal(dhl?.dv_time_sent, '2021-03-21 12:34:56');
  });

  void it('order_get: an unknown order is rejected with "Order not found."', async () => {
    await assert.rejects(client.orderGet({ orderid: 'ACHN-99999999' }), (err) => {
      assert.ok(err instanceof HublifyRejectedError);
      assert.equal(err.message, 'Order not found.');
      assert.deepEqual(err.messages, [{ type: 'ERROR', text: 'Order not found.' }]);
      return true;
    });
  });

  void it('order_getList: filters by state and by time of the last state change', async () => {
    const { data } = await client.orderCreate(order());
    const received = await client.orderGetList({
      order_state_code: 'received',
      order_state_transtime: { search: '> -2hours' },
    });
    assert.ok(received.some((o) => o.orderid === data.orderid));
    assert.ok(received.every((o) => o.order_state_code === 'received'));
  });

  void it('order_getList: shipped orders come with their delivery_list', async (t) => {
    if (!target.control) return t.skip(NEEDS_CONTROL);
    const [a, b] = [await client.orderCreate(order()), await client.orderCreate(order())];
    target.control.ship(b.data.orderid);
    const shipped = await client.orderGetList({
      order_state_code: 'shipped',
      order_state_transtime: { search: '> -3days' },
    });
    const ids = shipped.map((o) => o.orderid);
    assert.ok(ids.includes(b.data.orderid));
    assert.ok(!ids.includes(a.data.orderid));
    assert.equal(shipped.find((o) => o.orderid === b.data.orderid)?.delivery_list?.length, 1);
  });

  void it('a wrong channel token is an auth error, not retryable', async () => {
    const wrong = new HublifyClient({
      baseUrl: target.baseUrl,
      channel: target.channel,
      token: `not-${target.token}`,
      timeoutMs: 5_000,
    });
    await assert.rejects(wrong.stats(), (err) => {
      assert.ok(err instanceof HublifyAuthError);
      assert.equal(err.kind, 'auth');
      assert.equal(isRetryable(err), false);
      assert.match(err.message, /refused the channel token/);
      return true;
    });
  });
}

void describe('Hublify contract: in-process sandbox', () => {
  hublifyContract(async () => {
    const sandbox = await startHublifySandbox();
    return {
      baseUrl: sandbox.url,
      channel: sandbox.channel,
      token: sandbox.token,
      productCode: 'EK00001',
      control: sandbox,
      close: () => sandbox.close(),
    };
  });
});

const { HUBLIFY_URL, HUBLIFY_CHANNEL_TOKEN } = process.env;
void describe(
  'Hublify contract: real channel (HUBLIFY_URL)',
  HUBLIFY_URL && HUBLIFY_CHANNEL_TOKEN
    ? {}
    : { skip: 'HUBLIFY_URL/HUBLIFY_CHANNEL_TOKEN not set: real-channel contract run skipped' },
  () => {
    hublifyContract(() =>
      Promise.resolve({
        baseUrl: HUBLIFY_URL ?? '',
        channel: process.env.HUBLIFY_CHANNEL || 'channel_10',
        token: HUBLIFY_CHANNEL_TOKEN ?? '',
        productCode: process.env.HUBLIFY_CONTRACT_PCODE || 'EK00001',
      }),
    );
  },
);

// ---------------------------------------------------------------------------------------------
// Failures: sandbox faults
// ---------------------------------------------------------------------------------------------

/** The rejection, checked to be a retryable HublifyTransientError with this reason. */
async function transient(
  promise: Promise<unknown>,
  reason: HublifyTransientError['reason'],
): Promise<HublifyTransientError> {
  const err = await promise.then(
    () => assert.fail('expected a HublifyTransientError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof HublifyTransientError, `expected HublifyTransientError, got ${inspect(err)}`);
  assert.equal(err.kind, 'transient');
  assert.equal(err.reason, reason);
  assert.equal(isRetryable(err), true);
  return err;
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = http.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

void describe('HublifyClient: sandbox faults', () => {
  let sandbox: HublifySandbox;
  let client: HublifyClient;

  before(async () => {
    sandbox = await startHublifySandbox();
    client = new HublifyClient({
      baseUrl: sandbox.url,
      channel: sandbox.channel,
      token: sandbox.token,
      timeoutMs: 300,
    });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  void it('HTTP 500 is transient, and the next call goes through', async () => {
    sandbox.injectFault({ kind: 'http500' });
    const err = await transient(client.stats(), 'server-error');
    assert.equal(err.httpStatus, 500);
    await client.stats();
  });

  void it('HTTP 429 is transient and carries Retry-After as retryAfterMs', async () => {
    sandbox.injectFault({ kind: 'http429', retryAfterSeconds: 7 });
    const err = await transient(client.orderGet({ orderid: 'ACHN-00000001' }), 'rate-limited');
    assert.equal(err.httpStatus, 429);
    assert.equal(err.retryAfterMs, 7_000);
  });

  void it('a hanging call times out after timeoutMs, transient', async () => {
    sandbox.injectFault({ kind: 'hang' });
    const started = Date.now();
    const err = await transient(client.orderCreate(exampleOrderCreateRequest()), 'timeout');
    assert.ok(Date.now() - started >= 250, 'gave up too early');
    assert.match(err.message, /within 300 ms/);
  });

  void it('a dropped connection is transient', async () => {
    sandbox.injectFault({ kind: 'drop' });
    await transient(client.stats(), 'network');
  });

  void it('a slow answer within the timeout succeeds', async () => {
    sandbox.injectFault({ kind: 'slow', delayMs: 100 });
    const patient = new HublifyClient({
      baseUrl: sandbox.url,
      channel: sandbox.channel,
      token: sandbox.token,
      timeoutMs: 2_000,
    });
    const started = Date.now();
    const result = await patient.orderCreate(exampleOrderCreateRequest());
    assert.ok(Date.now() - started >= 100, 'the fault did not delay the answer');
    assert.equal(result.data.order_state_code, 'received');
  });

  void it('a slow answer beyond the timeout is a timeout', async () => {
    sandbox.injectFault({ kind: 'slow', delayMs: 1_000 });
    await transient(client.stats(), 'timeout');
  });

  void it('a reply lost to the timeout: the order was created, and injecting it again is a duplicate', async () => {
    sandbox.injectFault({ kind: 'slow', delayMs: 400, verbs: ['order_create'] });
    const request = exampleOrderCreateRequest({ o_orderid_external: 'LOST-REPLY-1' });
    await transient(client.orderCreate(request), 'timeout');
    await pollUntil(() => sandbox.order('LOST-REPLY-1'), {
      what: 'the sandbox to create LOST-REPLY-1',
      timeoutMs: PATIENCE_MS,
      everyMs: 20,
    });
    const again = await client.orderCreate(request);
    assert.equal(again.duplicate, true);
    assert.equal(again.data.orderid, sandbox.order('LOST-REPLY-1')?.orderid);
  });

  void it('a body that is not JSON is transient', async () => {
    sandbox.injectFault({ kind: 'not-json' });
    const err = await transient(client.stats(), 'bad-response');
    assert.match(err.message, /text\/html/);
  });

  void it('a refused connection is transient', async () => {
    const nowhere = new HublifyClient({
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      channel: 'channel_10',
      token: 't',
      timeoutMs: 300,
    });
    const err = await transient(nowhere.stats(), 'network');
    assert.match(err.message, /ECONNREFUSED/);
  });

  void it('a wrong token is an auth error, not retryable', async () => {
    const wrong = new HublifyClient({ baseUrl: sandbox.url, channel: sandbox.channel, token: 'wrong', timeoutMs: 300 });
    await assert.rejects(
      wrong.orderGet({ orderid: 'ACHN-00000001' }),
      (err) => err instanceof HublifyAuthError && err.httpStatus === 401 && !isRetryable(err),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Failures: answers the sandbox does not give, from a scripted server
// ---------------------------------------------------------------------------------------------

interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

void describe('HublifyClient: answers outside the seed', () => {
  let next: ScriptedAnswer;
  let received: { url?: string; headers: http.IncomingHttpHeaders; body: string }[];
  let server: http.Server;
  let client: HublifyClient;
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): ScriptedAnswer => ({
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push({ url: req.url, headers: req.headers, body });
        res.writeHead(next.status, next.headers).end(next.body);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    client = new HublifyClient({
      baseUrl: `http://127.0.0.1:${port}/`,
      channel: 'channel_7',
      token: 'tok',
      timeoutMs: 1_000,
    });
  });
  after(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    received = [];
  });

  void it('POSTs JSON to /api/<channel>/<verb> with the API-Channel-Token header', async () => {
    next = json(200, { status: true, data: [] });
    assert.deepEqual(await client.orderGetList({ order_state_code: 'shipped' }), []);
    const [call] = received;
    assert.equal(call?.url, '/api/channel_7/order_getList');
    assert.equal(call?.headers['api-channel-token'], 'tok');
    assert.equal(call?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(call?.body ?? ''), { filter: { order_state_code: 'shipped' } });
  });

  void it('HTTP 429 with an HTTP-date Retry-After', async () => {
    const sentAt = Date.now();
    const retryAt = sentAt + 30_000;
    next = json(429, {}, { 'retry-after': new Date(retryAt).toUTCString() });
    const err = await transient(client.stats(), 'rate-limited');
    // The date has whole seconds (up to 1 s earlier), and the call's own time has passed since.
    const least = retryAt - 1_000 - Date.now();
    assert.ok(
      err.retryAfterMs !== undefined && err.retryAfterMs >= least && err.retryAfterMs <= 30_000,
      `retryAfterMs ${err.retryAfterMs}, at least ${least}`,
    );
  });

  void it('HTTP 503 with Retry-After is transient', async () => {
    next = { status: 503, headers: { 'retry-after': '2' }, body: 'down' };
    const err = await transient(client.stats(), 'server-error');
    assert.equal(err.retryAfterMs, 2_000);
  });

  void it("HTTP 403 is an auth error with Hublify's text", async () => {
    next = json(403, { status: false, msg: [{ type: 'ERROR', text: 'No order access for this channel.' }] });
    await assert.rejects(client.stats(), (err) => {
      assert.ok(err instanceof HublifyAuthError);
      assert.equal(err.httpStatus, 403);
      assert.match(err.message, /No order access for this channel\./);
      return true;
    });
  });

  void it('another HTTP 4xx is a rejection, not retryable', async () => {
    next = json(400, { status: false, msg: [{ type: 'ERROR', text: 'Bad request.' }] });
    await assert.rejects(
      client.stats(),
      (err) => err instanceof HublifyRejectedError && err.httpStatus === 400 && !isRetryable(err),
    );
  });

  void it('JSON that is not an envelope is transient', async () => {
    next = json(200, { ok: true });
    await transient(client.stats(), 'bad-response');
  });

  void it('an envelope whose data does not fit is transient, and names the field but not its value', async () => {
    next = json(200, {
      status: true,
      data: { orderid: 42, order_state_code: 'received', secret_street: 'Hidden Lane 5' },
    });
    const err = await transient(client.orderGet({ orderid: 'x' }), 'bad-response');
    assert.match(err.message, /data\.orderid/);
    assert.doesNotMatch(err.message, /42|Hidden Lane/);
  });

  void it('status:false with only a WARNING (no "already injected") is a rejection carrying the text', async () => {
    next = json(200, { status: false, msg: [{ type: 'WARNING', text: 'Something odd.' }] });
    await assert.rejects(client.orderCreate(exampleOrderCreateRequest()), {
      name: 'HublifyRejectedError',
      message: 'Something odd.',
    });
  });

  void it('several ERROR texts are joined in the message', async () => {
    next = json(200, {
      status: false,
      msg: [
        { type: 'ERROR', text: "Missing mandatory field 'invoice_zip'" },
        { type: 'WARNING', text: 'ignored' },
        { type: 'ERROR', text: "Missing mandatory field 'orderitems'" },
      ],
    });
    await assert.rejects(client.orderCreate(exampleOrderCreateRequest()), {
      message: "Missing mandatory field 'invoice_zip'; Missing mandatory field 'orderitems'",
    });
  });

  void it('order_getList with data null is an empty list; unknown order states are kept as they are', async () => {
    next = json(200, { status: true, data: null });
    assert.deepEqual(await client.orderGetList({}), []);
    next = json(200, { status: true, data: [{ orderid: 'A-1', order_state_code: 'storno_pending', extra: 1 }] });
    assert.deepEqual(await client.orderGetList({}), [{ orderid: 'A-1', order_state_code: 'storno_pending', extra: 1 }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Secrets: the channel token and customer data stay out of errors and logs
// ---------------------------------------------------------------------------------------------

void describe('HublifyClient: the channel token never shows', () => {
  const token = 'tok-SECRET-4f1c9e77';
  let sandbox: HublifySandbox;
  let client: HublifyClient;
  const logLines: string[] = [];

  /** Every way an error could end up in a log, a failure or a Temporal history. */
  function assertClean(err: unknown, ...secrets: string[]): void {
    assert.ok(err instanceof HublifyError, `expected a HublifyError, got ${inspect(err)}`);
    const renderings = [
      err.message,
      String(err.stack),
      JSON.stringify(err),
      inspect(err, { showHidden: true, depth: Infinity }),
      JSON.stringify({ ...err }),
    ];
    for (const secret of secrets)
      for (const text of renderings) assert.ok(!text.includes(secret), `${secret} found in: ${text}`);
  }

  before(async () => {
    sandbox = await startHublifySandbox({ token });
    const logger = createLogger(
      'debug',
      new Writable({
        write(chunk: Buffer, _enc, done) {
          logLines.push(chunk.toString());
          done();
        },
      }),
    );
    client = new HublifyClient({ baseUrl: sandbox.url, channel: sandbox.channel, token, timeoutMs: 300, logger });
  });
  after(() => sandbox.close());

  void it('in every kind of error, and in the log lines', async () => {
    const failing: [string, () => Promise<unknown>][] = [
      ['rejected', () => client.orderCreate(exampleOrderCreateRequest({ orderitems: [] }))],
      ['http500', () => client.stats()],
      ['http429', () => client.stats()],
      ['hang', () => client.orderCreate(exampleOrderCreateRequest({ o_orderid_external: 'HANG-1' }))],
      ['drop', () => client.orderCreate(exampleOrderCreateRequest({ o_orderid_external: 'DROP-1' }))],
      ['not-json', () => client.stats()],
    ];
    for (const [kind, call] of failing) {
      if (kind !== 'rejected') sandbox.injectFault({ kind: kind as 'http500' });
      const err = await call().then(
        () => assert.fail(`${kind}: expected a failure`),
        (e: unknown) => e,
      );
      // The token, and the customer's address from the request body.
      assertClean(err, token, 'Sample Street', 'max@muster.de');
    }
    const wrongToken = 'wrong-SECRET-0b9d';
    const wrong = new HublifyClient({
      baseUrl: sandbox.url,
      channel: sandbox.channel,
      token: wrongToken,
      timeoutMs: 300,
    });
    assertClean(
      await wrong.stats().then(
        () => assert.fail('expected an auth error'),
        (e: unknown) => e,
      ),
      wrongToken,
    );

    assert.ok(logLines.length >= failing.length, 'the client logged its calls');
    for (const line of logLines)
      assert.ok(!line.includes(token) && !line.includes('Sample Street'), `leak in log line: ${line}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Small pieces
// ---------------------------------------------------------------------------------------------

void describe('Hublify client helpers', () => {
  void it('parseRetryAfter reads seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2024-05-01T10:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('1.5', now), 1_500);
    assert.equal(parseRetryAfter('Wed, 01 May 2024 10:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Wed, 01 May 2024 09:00:00 GMT', now), 0, 'a date in the past means now');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
  });

  void it('parseUpdateMessages reads back the field names the texts were made from', () => {
    const fieldName = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);
    fc.assert(
      fc.property(
        fc.array(fieldName, { minLength: 1, maxLength: 5 }),
        fc.array(fieldName, { minLength: 1, maxLength: 5 }),
        (updated, refused) => {
          const messages = [
            { type: 'OK', text: fieldsUpdated('order', updated) },
            { type: 'WARNING', text: fieldsNotAvailableForUpdate('order', refused) },
          ];
          assert.deepEqual(parseUpdateMessages(messages), { updated, refused });
        },
      ),
    );
  });

  void it('isRetryable is false for anything that is not a transient Hublify error', () => {
    assert.equal(isRetryable(new Error('boom')), false);
    assert.equal(isRetryable('boom'), false);
    assert.equal(isRetryable(new HublifyTransientError('x', 'stats', { reason: 'timeout' })), true);
    assert.equal(isRetryable(new HublifyRejectedError('x', 'stats', [])), false);
  });
});
