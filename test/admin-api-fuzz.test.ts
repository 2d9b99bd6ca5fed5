// Property: whatever support's tools (or anyone holding the token) send to the admin API — any route's
// reference, any query, any body, JSON or not — the answer is a classified error or a result: never a
// 5xx, always JSON, an `error` text with every 4xx, and never the admin token in it. Against the
// running system with one real order waiting in Hublify, so well-formed requests reach the workflow.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as fc from 'fast-check';
import { parsePollSchedule } from '../src/orders/poll-schedule-spec';
import { sampleOrder } from './helpers/sample-order';
import { stageIs, startTestOrder, waitForStatus } from './helpers/orders';
import { startTestSystem, type TestSystem } from './helpers/system';

const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const ADMIN_TOKEN = 'fuzz-admin-token-51c2e8';

interface Request {
  method: 'GET' | 'POST';
  path: string;
  body: string | undefined;
  contentType: string | undefined;
}

function requests(orderNumber: string): fc.Arbitrary<Request> {
  const ref = fc.oneof(
    fc.constant(orderNumber),
    fc.constant(`apicbase-order-${orderNumber}`),
    fc.string({ maxLength: 40 }),
  );
  const field = fc.constantFrom(
    'deliver_street',
    'deliver_town',
    'invoice_zip',
    'o_comment',
    'st_label',
    'o_orderid_external',
    'price',
    '__proto__',
  );
  const structured = fc.oneof(
    fc.record(
      { reason: fc.oneof(fc.string(), fc.jsonValue()), stopTracking: fc.oneof(fc.constant(false), fc.jsonValue()) },
      { requiredKeys: [] },
    ),
    fc.record(
      {
        order: fc.oneof(fc.dictionary(field, fc.oneof(fc.string(), fc.constant(null), fc.jsonValue())), fc.jsonValue()),
        orderitems: fc.oneof(
          fc.array(
            fc.record(
              { oi_pcode: fc.string(), oi_quantity: fc.oneof(fc.integer(), fc.string()) },
              { requiredKeys: [] },
            ),
          ),
          fc.jsonValue(),
        ),
        note: fc.jsonValue(),
      },
      { requiredKeys: [] },
    ),
    fc.record({ note: fc.oneof(fc.string(), fc.jsonValue()) }, { requiredKeys: [] }),
    fc.record({ order: fc.jsonValue() }),
  );
  const body = fc.oneof(
    structured.map((v) => ({ body: JSON.stringify(v), contentType: 'application/json' })),
    fc.jsonValue().map((v) => ({ body: JSON.stringify(v), contentType: 'application/json' })),
    fc.string().map((s) => ({ body: s, contentType: 'application/json' })),
    fc.string().map((s) => ({ body: s, contentType: 'text/plain' })),
    fc.constant({ body: undefined, contentType: undefined }),
  );
  const query = fc.dictionary(
    fc.constantFrom('stage', 'customer', 'since', 'limit', 'needsAttention', 'overdue', 'running', 'x'),
    fc.string({ maxLength: 20 }),
  );
  const post = fc
    .tuple(fc.constantFrom('cancel', 'retry', 'poll', 'amend'), ref, body)
    .map(([action, r, b]): Request => ({
      method: 'POST',
      path: `/admin/orders/${encodeURIComponent(r)}/${action}`,
      ...b,
    }));
  const replay = body.map((b): Request => ({ method: 'POST', path: '/admin/orders/replay', ...b }));
  const show = ref.map((r): Request => ({
    method: 'GET',
    path: `/admin/orders/${encodeURIComponent(r)}`,
    body: undefined,
    contentType: undefined,
  }));
  const list = query.map((q): Request => ({
    method: 'GET',
    path: `/admin/orders?${new URLSearchParams(q).toString()}`,
    body: undefined,
    contentType: undefined,
  }));
  return fc.oneof(post, replay, show, list);
}

void describe('admin API under any request (fast-check)', () => {
  let system: TestSystem;
  let orderNumber: string;
  before(async () => {
    // Amendments answer within a second: the property must not wait out the default bounded wait.
    system = await startTestSystem({ ADMIN_TOKEN, AMEND_WAIT_MS: '1000' });
    const order = sampleOrder();
    orderNumber = order.order_number;
    const handle = await startTestOrder(system, order, { pollSchedule: parsePollSchedule('1h') });
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
  });
  after(async () => {
    await system?.close();
  });

  void it('never a 5xx or a non-JSON answer; each 4xx says why; the token never echoed', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requests('placeholder'), async (drawn) => {
        const req = { ...drawn, path: drawn.path.replaceAll('placeholder', orderNumber) };
        const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
        if (req.contentType) headers['content-type'] = req.contentType;
        const res = await fetch(`${system.baseUrl}${req.path}`, {
          method: req.method,
          headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(res.status < 500, `${req.method} ${req.path} ${req.body ?? ''} -> ${res.status} ${text}`);
        const body = JSON.parse(text) as Record<string, unknown>;
        if (res.status >= 400)
          assert.equal(typeof body.error, 'string', `${res.status} without an error text: ${text}`);
        assert.ok(!text.includes(ADMIN_TOKEN));
      }),
      { numRuns: NUM_RUNS },
    );
    // The property reached past validation too (not only 400s).
    assert.ok(
      [...statuses.keys()].some((s) => s < 400),
      `statuses: ${JSON.stringify([...statuses])}`,
    );
  });
});
