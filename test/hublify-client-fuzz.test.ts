// Property: whatever Hublify answers — any HTTP status, any body, any Retry-After — the client either
// returns checked data or throws one of its three classified errors (transient / rejected / auth),
// the one the status calls for. Never a TypeError, a zod error or an unclassified crash, and never
// the channel token in a message. Over real HTTP: a loopback server answers what fast-check drew.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as fc from 'fast-check';
import { HublifyClient } from '../src/hublify/client';
import { HublifyAuthError, HublifyError, HublifyRejectedError, HublifyTransientError } from '../src/hublify/errors';
import { exampleOrderCreateRequest } from '../src/hublify/sandbox/example-order';
import { startHublifySandbox } from '../src/hublify/sandbox/server';
import { hublifyOrderDataSchema } from '../src/hublify/types';

const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const TOKEN = 'fuzz-channel-token-3d9a';

interface Reply {
  status: number;
  body: string;
  contentType: string | undefined;
  retryAfter: string | undefined;
}

/** Bodies: noise, any JSON, envelopes with any data/msg, and a real order_get answer taken apart. */
function bodies(realAnswer: Record<string, unknown>): fc.Arbitrary<string> {
  const realData = realAnswer.data as Record<string, unknown>;
  const keys = Object.keys(realData);
  const message = fc.record({ type: fc.constantFrom('ERROR', 'WARNING', 'INFO', ''), text: fc.string() });
  const anyMsg = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.array(message, { maxLength: 3 }),
    fc.jsonValue(),
  );
  const envelope = fc.record(
    {
      status: fc.oneof(fc.boolean(), fc.jsonValue()),
      data: fc.oneof(fc.jsonValue(), fc.constant(realData)),
      msg: anyMsg,
    },
    { requiredKeys: [] },
  );
  // The real order data with some fields removed or given another JSON value.
  const brokenData = fc
    .array(fc.tuple(fc.constantFrom(...keys), fc.option(fc.jsonValue(), { nil: undefined })), {
      minLength: 1,
      maxLength: 4,
    })
    .map((edits) => {
      const data: Record<string, unknown> = structuredClone(realData);
      for (const [key, value] of edits) {
        if (value === undefined) delete data[key];
        else data[key] = value;
      }
      return { status: true, data };
    });
  return fc.oneof(
    fc.string(),
    fc.constant(''),
    fc.constant('<html><body>Bad gateway</body></html>'),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    envelope.map((v) => JSON.stringify(v)),
    brokenData.map((v) => JSON.stringify(v)),
    fc.constant(JSON.stringify(realAnswer)),
    // Cut short, as a dropped proxy connection would leave it.
    fc.nat().map((n) => JSON.stringify(realAnswer).slice(0, n % JSON.stringify(realAnswer).length)),
  );
}

const replies = (realAnswer: Record<string, unknown>): fc.Arbitrary<Reply> =>
  fc.record({
    // 1xx and 204/304 cannot carry a body; everything else from 200 to 599 may come.
    // The statuses the client treats apart, often; any other, sometimes.
    status: fc.oneof(
      fc.constantFrom(200, 201, 400, 401, 403, 404, 408, 422, 429, 500, 502, 503),
      // 407: Node's fetch turns it into a network error (proxy auth), which the client rightly calls transient.
      fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304 && s !== 407 && !(s >= 300 && s < 400)),
    ),
    body: bodies(realAnswer),
    contentType: fc.constantFrom(
      undefined,
      'application/json',
      'text/html',
      'application/json; charset=utf-8',
      'text/plain',
    ),
    retryAfter: fc.option(
      fc.oneof(
        fc.nat({ max: 100_000 }).map(String),
        fc.string(),
        fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
      ),
      { nil: undefined },
    ),
  });

type Verb = 'stats' | 'orderCreate' | 'orderGet' | 'orderGetList' | 'orderUpdate';
const VERBS: Verb[] = ['stats', 'orderCreate', 'orderGet', 'orderGetList', 'orderUpdate'];

function callVerb(client: HublifyClient, verb: Verb): Promise<unknown> {
  switch (verb) {
    case 'stats':
      return client.stats();
    case 'orderCreate':
      return client.orderCreate(exampleOrderCreateRequest());
    case 'orderGet':
      return client.orderGet({ orderid: 'ACHN-00000001' });
    case 'orderGetList':
      return client.orderGetList({});
    case 'orderUpdate':
      return client.orderUpdate({ orderid: 'ACHN-00000001' }, { order: { o_comment: 'x' } });
  }
}

/** The class the HTTP status alone decides (2xx: the body decides). */
function expectedClassFor(status: number): (typeof HublifyError)['prototype']['kind'] | 'body' {
  if (status === 429 || status === 408 || status >= 500) return 'transient';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 400) return 'rejected';
  return 'body';
}

void describe('Hublify client: any answer is data or a classified error (fast-check)', () => {
  let server: http.Server;
  let next: Reply = { status: 200, body: '{}', contentType: undefined, retryAfter: undefined };
  let client: HublifyClient;
  let realAnswer: Record<string, unknown>;
  const seen = { data: 0, transient: 0, rejected: 0, auth: 0 };

  before(async () => {
    // A real answer to start from: order_get of an order the sandbox created.
    const sandbox = await startHublifySandbox({ host: '127.0.0.1', port: 0, token: TOKEN, channel: 'channel_10' });
    try {
      const real = new HublifyClient({ baseUrl: sandbox.url, channel: 'channel_10', token: TOKEN, timeoutMs: 5_000 });
      const created = await real.orderCreate(exampleOrderCreateRequest());
      const res = await fetch(`${sandbox.url}/api/channel_10/order_get`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'API-Channel-Token': TOKEN },
        body: JSON.stringify({ filter: { orderid: created.data.orderid } }),
      });
      realAnswer = (await res.json()) as Record<string, unknown>;
      assert.equal(hublifyOrderDataSchema.safeParse(realAnswer.data).success, true, 'the starting answer is valid');
    } finally {
      await sandbox.close();
    }

    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const headers: Record<string, string> = {};
        if (next.contentType) headers['content-type'] = next.contentType;
        if (next.retryAfter !== undefined) headers['retry-after'] = next.retryAfter.replace(/[^\x20-\x7e]/g, '');
        res.writeHead(next.status, headers).end(next.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new HublifyClient({
      baseUrl: `http://127.0.0.1:${port}`,
      channel: 'channel_10',
      token: TOKEN,
      timeoutMs: 30_000,
    });
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  void it('classifies every status and body; never crashes, never shows the token', async (t) => {
    await fc.assert(
      fc.asyncProperty(replies(realAnswer), fc.constantFrom(...VERBS), async (reply, verb) => {
        next = reply;
        const expected = expectedClassFor(reply.status);
        let outcome: unknown;
        try {
          outcome = await callVerb(client, verb);
        } catch (err) {
          assert.ok(err instanceof HublifyError, `a classified HublifyError, not ${String(err)}`);
          assert.ok(!err.message.includes(TOKEN), 'the token is not in the message');
          if (expected !== 'body') assert.equal(err.kind, expected, `HTTP ${reply.status}: ${err.message}`);
          if (err instanceof HublifyTransientError && reply.status === 429 && /^\d+$/.test(reply.retryAfter ?? '')) {
            assert.equal(err.retryAfterMs, Number(reply.retryAfter) * 1000, 'Retry-After in seconds is kept');
          }
          if (err instanceof HublifyAuthError) assert.equal(err.httpStatus, reply.status);
          if (err instanceof HublifyRejectedError && reply.status >= 400) assert.equal(err.httpStatus, reply.status);
          seen[err.kind] += 1;
          return;
        }
        // Data came back: only a 2xx with a readable envelope can give it.
        assert.equal(expected, 'body', `HTTP ${reply.status} gave data`);
        if (verb === 'orderGet')
          assert.equal(hublifyOrderDataSchema.safeParse(outcome).success, true, 'order_get data is checked');
        if (verb === 'orderCreate')
          assert.equal(hublifyOrderDataSchema.safeParse((outcome as { data: unknown }).data).success, true);
        seen.data += 1;
      }),
      { numRuns: NUM_RUNS },
    );
    t.diagnostic(`outcomes: ${JSON.stringify(seen)}`);
    // The generators reach every class (a property that only ever saw errors would prove little).
    for (const kind of Object.keys(seen) as Array<keyof typeof seen>)
      assert.ok(seen[kind] > 0, `some ${kind} outcomes: ${JSON.stringify(seen)}`);
  });
});
