// Property: whatever body and headers reach POST /webhooks/apicbase/orders, the relay never answers
// 5xx, and it starts (or touches) a workflow only for a correctly signed, JSON, schema-valid order
// for a known customer. Over real HTTP against the running relay and a real Temporal dev server.
//
// Oracle per run: the classification below (signature → JSON, whatever the content type → schema → customer)
// decides the expected status class. Whether a workflow was started is read from Temporal itself
// (describe, strongly consistent) before and after each request, and at the end the set of all
// workflow ids Temporal lists must equal the set of ids of the orders that were valid.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import * as fc from 'fast-check';
import { apicbaseOrderSchema, orderWorkflowId } from '../src/apicbase/order';
import { findCustomer, loadCustomerDirectory, type CustomerDirectory } from '../src/customers/directory';
import { pythonJsonDumps, signApicbasePayload } from '../src/ingress/apicbase-signature';
import { eventually, postRaw } from './helpers/ingress';
import { sampleOrder } from './helpers/sample-order';
import { TEST_WEBHOOK_SECRET, startTestSystem, type TestSystem } from './helpers/system';

const PATH = '/webhooks/apicbase/orders';
const PREVIOUS_SECRET = 'property-previous-secret';
const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

// ---- what is sent --------------------------------------------------------------------------

type SignatureKind =
  | 'none'
  | 'empty'
  | 'garbage'
  | 'truncated'
  | 'other-secret'
  | 'raw'
  | 'raw-uppercase'
  | 'python'
  | 'previous-raw'
  | 'previous-python';
const VALID_SIGNATURES: ReadonlySet<SignatureKind> = new Set([
  'raw',
  'raw-uppercase',
  'python',
  'previous-raw',
  'previous-python',
]);

/** Content types: Apicbase does not document its own, so a signed body is read as JSON under any of them. */
const CONTENT_TYPES: ReadonlyArray<string | undefined> = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json;charset=latin1',
  undefined,
  '',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'application/vnd.api+json',
  'multipart/form-data; boundary=xyz',
  '*/*',
  'json',
  ';;;',
];

/** Paths into an order that mutations remove or retype. */
const PATHS: ReadonlyArray<ReadonlyArray<string | number>> = [
  ['id'],
  ['order_number'],
  ['status'],
  ['ordered_on'],
  ['owned_by'],
  ['owned_by', 'username'],
  ['order_remarks'],
  ['packages'],
  ['packages', 0],
  ['packages', 0, 'stock_item'],
  ['packages', 0, 'stock_item', 'name'],
  ['packages', 0, 'supplier_package'],
  ['packages', 0, 'supplier_package', 'supplier_article_number'],
  ['packages', 0, 'supplier_package', 'theoretical_price_per_package'],
  ['packages', 0, 'quantity_ordered'],
  ['packages', 1, 'total_theoretical_price'],
  ['expected_delivery_date'],
  ['theoretical_price'],
  ['supplier_customer_number'],
];

type Mutation = { path: ReadonlyArray<string | number>; op: 'remove' | 'retype'; value: fc.JsonValue };

function mutate(order: unknown, mutations: Mutation[]): unknown {
  const copy = structuredClone(order) as Record<string | number, unknown>;
  for (const { path, op, value } of mutations) {
    let parent: unknown = copy;
    for (const key of path.slice(0, -1))
      parent = parent && typeof parent === 'object' ? (parent as Record<string | number, unknown>)[key] : undefined;
    if (!parent || typeof parent !== 'object') continue;
    const last = path[path.length - 1]!;
    if (op === 'remove') delete (parent as Record<string | number, unknown>)[last];
    else (parent as Record<string | number, unknown>)[last] = value;
  }
  return copy;
}

const orderArb = fc
  .record({
    id: fc.uuid(),
    orderNumber: fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }),
    remarks: fc.option(fc.string({ maxLength: 60, unit: 'grapheme' })),
    customer: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('CUST-001', 'CUST-002', 'CUST-003') },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    ),
    quantity: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 20 }) },
      { weight: 1, arbitrary: fc.constantFrom(0, -1, 2.5, 1e21) },
    ),
    status: fc.constantFrom('ORDERED', 'ORDERED', 'ORDERED', 'ORDERED', 'ORDERED', 'DRAFT'),
    withoutOptional: fc.boolean(),
  })
  .map(({ id, orderNumber, remarks, customer, quantity, status, withoutOptional }) => {
    const order = sampleOrder({
      id,
      order_number: orderNumber,
      order_remarks: remarks,
      supplier_customer_number: customer,
      status,
    });
    order.packages[0]!.quantity_ordered = quantity;
    if (withoutOptional) {
      const loose = order as Partial<typeof order>;
      delete loose.owned_by;
      delete loose.order_remarks;
      delete loose.expected_delivery_date;
    }
    return order;
  });

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  path: fc.constantFrom(...PATHS),
  op: fc.constantFrom('remove', 'retype'),
  value: fc.jsonValue({ maxDepth: 2 }),
});

/** Formats JSON like different senders might: compact, indented, or with non-ASCII escaped. */
function formatJson(value: unknown, style: 'compact' | 'indented' | 'ascii'): string {
  const text = JSON.stringify(value, null, style === 'indented' ? 2 : undefined) ?? 'null';
  return style === 'ascii'
    ? text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : text;
}

const bodyArb: fc.Arbitrary<{ kind: string; bytes: Buffer }> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(orderArb, fc.constantFrom<'compact' | 'indented' | 'ascii'>('compact', 'indented', 'ascii'))
      .map(([o, style]) => ({ kind: `order/${style}`, bytes: Buffer.from(formatJson(o, style)) })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(orderArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }))
      .map(([o, m]) => ({ kind: 'mutated-order', bytes: Buffer.from(formatJson(mutate(o, m), 'compact')) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .jsonValue({ maxDepth: 3 })
      .map((v) => ({ kind: 'json-value', bytes: Buffer.from(formatJson(v, 'compact')) })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(orderArb, fc.nat()).map(([o, cut]) => {
      const t = JSON.stringify(o);
      return { kind: 'truncated-json', bytes: Buffer.from(t.slice(0, cut % t.length)) };
    }),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: 'bytes', bytes: Buffer.from(b) })) },
  {
    weight: 1,
    arbitrary: fc.string({ maxLength: 200, unit: 'binary' }).map((s) => ({ kind: 'text', bytes: Buffer.from(s) })),
  },
);

const caseArb = fc.record({
  body: bodyArb,
  signature: fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom<SignatureKind>('raw', 'python', 'previous-raw', 'previous-python', 'raw-uppercase'),
    },
    { weight: 1, arbitrary: fc.constantFrom<SignatureKind>('none', 'empty', 'garbage', 'truncated', 'other-secret') },
  ),
  contentType: fc.oneof(
    { weight: 5, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: CONTENT_TYPES.length - 1 }) },
  ),
  encoding: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('identity', 'gzip', 'deflate', 'br', 'x-unknown') },
  ),
  requestId: fc.option(fc.string({ maxLength: 40, unit: 'grapheme-ascii' }).map((s) => s.replace(/[^\x20-\x7e]/g, ''))),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function signatureFor(kind: SignatureKind, bytes: Buffer): string | undefined {
  const python = (secret: string) => {
    try {
      const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      return signApicbasePayload(secret, pythonJsonDumps(text));
    } catch {
      return undefined; // Python's json.loads would refuse this body: no Python-form signature exists
    }
  };
  switch (kind) {
    case 'none':
      return undefined;
    case 'empty':
      return '';
    case 'garbage':
      return 'sha256=deadbeef';
    case 'truncated':
      return signApicbasePayload(TEST_WEBHOOK_SECRET, bytes).slice(0, 40);
    case 'other-secret':
      return signApicbasePayload('not-the-secret', bytes);
    case 'raw':
      return signApicbasePayload(TEST_WEBHOOK_SECRET, bytes);
    case 'raw-uppercase':
      return signApicbasePayload(TEST_WEBHOOK_SECRET, bytes).toUpperCase();
    case 'previous-raw':
      return signApicbasePayload(PREVIOUS_SECRET, bytes);
    case 'python':
      return python(TEST_WEBHOOK_SECRET);
    case 'previous-python':
      return python(PREVIOUS_SECRET);
  }
}

// ---- what must happen ------------------------------------------------------------------------

type Expectation =
  { valid: true; id: string } | { valid: false; statuses: number[]; id: string | undefined; why: string };

function expectationFor(c: Case, signature: string | undefined, directory: CustomerDirectory): Expectation {
  let parsed: unknown;
  let parses = true;
  try {
    // As the relay reads it: strict UTF-8, a BOM kept (and so refused by JSON.parse).
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(c.body.bytes));
  } catch {
    parses = false;
  }
  const rawId = parsed && typeof parsed === 'object' && 'id' in parsed ? parsed.id : undefined;
  const id = typeof rawId === 'string' && rawId.length > 0 && rawId.length <= 200 ? rawId : undefined;
  const invalid = (statuses: number[], why: string): Expectation => ({ valid: false, statuses, id, why });

  // Body-parser decodes Content-Encoding before anything else: a broken or unknown one is a 4xx.
  if (c.encoding !== undefined && c.encoding !== 'identity') return invalid([400, 403, 415], 'content-encoding');
  const signed = VALID_SIGNATURES.has(c.signature) && signature !== undefined;
  if (!signed) return invalid([403], 'signature');
  if (!parses) return invalid([400], 'not JSON');
  const schema = apicbaseOrderSchema.safeParse(parsed);
  if (!schema.success) return invalid([422], 'schema');
  if (!findCustomer(directory, schema.data.supplier_customer_number)) return invalid([422], 'unknown customer');
  return { valid: true, id: schema.data.id };
}

/** The latest run id under this workflow id, or null when Temporal has none. */
async function runIdOf(client: Client, workflowId: string): Promise<string | null> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).runId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

void describe('Apicbase webhook under random bodies and headers (fast-check, real HTTP, real Temporal)', () => {
  let system: TestSystem;
  let directory: CustomerDirectory;

  before(async () => {
    system = await startTestSystem({
      APICBASE_WEBHOOK_SECRET_PREVIOUS: PREVIOUS_SECRET,
      TRACK_POLL_SCHEDULE: '1h',
      WEBHOOK_BODY_LIMIT: '64kb',
    });
    directory = loadCustomerDirectory(system.config.CUSTOMER_DIRECTORY_FILE);
  });
  after(async () => {
    await system?.close();
  });

  void it(`never a 5xx, never a workflow for an invalid order (${NUM_RUNS} runs)`, async (t) => {
    const client = system.relay.client;
    const acceptedIds = new Set<string>();
    const tally: Record<string, number> = {};

    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const signature = signatureFor(c.signature, c.body.bytes);
        const expected = expectationFor(c, signature, directory);
        const contentType = CONTENT_TYPES[c.contentType];
        const headers: Record<string, string> = {
          ...(contentType !== undefined ? { 'content-type': contentType } : {}),
          ...(signature !== undefined ? { 'x-apic-webhook-signature': signature } : {}),
          ...(c.encoding !== undefined ? { 'content-encoding': c.encoding } : {}),
          ...(c.requestId ? { 'x-request-id': c.requestId } : {}),
        };
        const workflowId = expected.id === undefined ? undefined : orderWorkflowId(expected.id);
        const runBefore = workflowId ? await runIdOf(client, workflowId) : null;

        const res = await postRaw(system.baseUrl, PATH, c.body.bytes, headers);
        const label = expected.valid ? `valid/${res.status}` : `${expected.why}/${res.status}`;
        tally[label] = (tally[label] ?? 0) + 1;
        const context = `${c.body.kind} sig=${c.signature} ct=${String(contentType)} enc=${String(c.encoding)} → ${res.status} ${res.text.slice(0, 300)}`;

        assert.ok(res.status < 500, `never a 5xx: ${context}`);
        assert.ok(res.headers['x-request-id'], `every answer has a request id: ${context}`);
        assert.ok(res.json && typeof res.json === 'object', `the answer is JSON: ${context}`);
        if (expected.valid) {
          // Verified mode: 200 (verified), 202 (verdict late) or 422 (the business checks refused it).
          assert.ok(
            [200, 202, 422].includes(res.status),
            `a valid order is accepted or rejected by the workflow: ${context}`,
          );
          assert.equal(res.json?.workflowId, workflowId, context);
          assert.notEqual(await runIdOf(client, workflowId!), null, `the workflow exists: ${context}`);
          acceptedIds.add(workflowId!);
        } else {
          assert.ok(
            expected.statuses.includes(res.status),
            `expected ${expected.statuses.join('/')} (${expected.why}): ${context}`,
          );
          if (workflowId)
            assert.equal(await runIdOf(client, workflowId), runBefore, `no workflow started or touched: ${context}`);
        }
      }),
      {
        numRuns: NUM_RUNS,
        endOnFailure: true,
        ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}),
      },
    );

    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(Object.entries(tally).sort()))}`);
    // The property really went past the signature check into validation and acceptance.
    const count = (prefix: string) =>
      Object.entries(tally)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((n, [, v]) => n + v, 0);
    if (NUM_RUNS >= 100) {
      assert.ok(count('valid/') >= 10, 'enough valid orders');
      assert.ok(count('schema/') >= 10, 'enough schema failures after a valid signature');
      assert.ok(count('signature/') >= 5, 'enough signature failures');
    }

    // Everything Temporal has is an order that was valid, and every valid order is there.
    const listed = await eventually(
      async () => {
        const ids = new Set<string>();
        for await (const wf of client.workflow.list()) ids.add(wf.workflowId);
        assert.deepEqual([...ids].sort(), [...acceptedIds].sort());
        return ids;
      },
      15_000,
      500,
    );
    assert.equal(listed.size, acceptedIds.size);
  });
});
