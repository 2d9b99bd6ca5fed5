// POST /webhooks/apicbase/orders, proven over real HTTP against the running relay, a real Temporal dev
// server and the Hublify sandbox (issue 5, "Done when"). Apicbase never retries and shows the
// customer any non-2xx, so every test checks both the answer and what Temporal/Hublify now hold.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { freeLoopbackPort } from '../src/net/free-port';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { temporal } from '@temporalio/proto';
import { orderWorkflowId, type ApicbaseOrder } from '../src/apicbase/order';
import { loadConfig } from '../src/config';
import { startHublifySandbox } from '../src/hublify/sandbox/server';
import { signApicbasePayload } from '../src/ingress/apicbase-signature';
import { createLogger } from '../src/logger';
import { startOrderRelay, type RunningOrderRelay } from '../src/order-relay';
import { startDevServer, type DevServer } from '../src/temporal/dev-server';
import { statusQuery } from '../workflows/order-messages';
import {
  LogSink,
  eventually,
  metricValue,
  postRaw,
  pythonSampleSignature,
  workflowExists,
  workflowStatus,
} from './helpers/ingress';
import { stageIs, waitForStatus } from './helpers/orders';
import { metricSum } from './helpers/prometheus-text';
import { sampleOrder } from './helpers/sample-order';
import {
  PATIENT_DEADLINES,
  TEST_CHANNEL_TOKEN,
  TEST_WEBHOOK_SECRET,
  startTestSystem,
  testWorkflowBundle,
  type TestSystem,
} from './helpers/system';
import { temporalCliForTests } from './helpers/temporal';
import { deliverOrder } from './helpers/webhook';

const PATH = '/webhooks/apicbase/orders';
const PREVIOUS_SECRET = 'the-secret-being-rotated-out';
const BODY_LIMIT_BYTES = 8 * 1024;
const UI_URL = 'http://127.0.0.1:8233'; // TEMPORAL_UI_URL in startTestSystem

/** A signed JSON POST of `raw` (a string body, signed over its raw bytes unless told otherwise). */
function post(baseUrl: string, raw: string | Buffer, headers: Record<string, string> = {}) {
  return postRaw(baseUrl, PATH, raw, {
    'content-type': 'application/json',
    'x-apic-webhook-signature': signApicbasePayload(TEST_WEBHOOK_SECRET, raw),
    ...headers,
  });
}

void describe('Apicbase webhook: real HTTP, real Temporal dev server, Hublify sandbox', () => {
  let system: TestSystem;
  const logs = new LogSink();
  const client = () => system.relay.client;
  const noWorkflow = async (order: Pick<ApicbaseOrder, 'id'>) =>
    assert.equal(
      await workflowExists(client(), orderWorkflowId(order.id)),
      false,
      `no workflow may exist for order ${order.id}`,
    );

  before(async () => {
    system = await startTestSystem(
      {
        WEBHOOK_BODY_LIMIT: `${BODY_LIMIT_BYTES}b`,
        APICBASE_WEBHOOK_SECRET_PREVIOUS: PREVIOUS_SECRET,
        // Tracking polls are not what these tests are about: keep the sandbox quiet.
        TRACK_POLL_SCHEDULE: '1h',
      },
      { logDestination: logs },
    );
  });
  after(async () => {
    await system?.close();
  });

  // First in the file, so the sandbox holds no other order and counts no other order_create.
  void it('50 concurrent deliveries of one order: one workflow, one Hublify order, all 2xx with the same workflowId', async () => {
    const order = sampleOrder();
    const workflowId = orderWorkflowId(order.id);
    const answers = await Promise.all(Array.from({ length: 50 }, () => deliverOrder(system.baseUrl, order)));

    for (const a of answers) {
      assert.ok(
        a.status >= 200 && a.status < 300,
        `every delivery answered 2xx: ${a.status} ${JSON.stringify(a.body)}`,
      );
      assert.equal(a.body.workflowId, workflowId);
    }
    const handle = client().workflow.getHandle(workflowId);
    const status = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.ok(status.hublify, 'injected');
    // The one workflow's injection ran once, and is over: no order_create of it can still be on its way.
    const injections = ((await handle.fetchHistory()).events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'injectOrder',
    );
    assert.equal(injections.length, 1, 'one injection activity');
    assert.equal(system.sandbox.orders().length, 1, 'exactly one Hublify order');
    assert.equal(system.sandbox.requestCounts().order_create, 1, 'exactly one order_create call');

    // One run of one workflow: every run Temporal knows under this id is the one we described.
    const { runId } = await handle.describe();
    const runs = await eventually(async () => {
      const seen: string[] = [];
      for await (const wf of client().workflow.list({ query: `WorkflowId = "${workflowId}"` })) seen.push(wf.runId);
      assert.ok(seen.length > 0, 'visible');
      return seen;
    });
    assert.deepEqual(runs, [runId]);
  });

  void describe('signatures', () => {
    void it("accepts the signature computed the way Apicbase's Python sample does (json.dumps), with non-ASCII item names", async () => {
      const order = sampleOrder({ order_remarks: 'Kühl lagern · Crème fraîche & Weißwurst' });
      assert.equal(order.packages[0]?.stock_item.name, 'Crème fraîche 30%');
      assert.equal(order.packages[1]?.stock_item.name, 'Weißwurst');
      // The body as sent: UTF-8 with the non-ASCII characters as they are, pretty-printed.
      const raw = JSON.stringify(order, null, 2);
      const signature = pythonSampleSignature(TEST_WEBHOOK_SECRET, raw);
      assert.notEqual(
        signature,
        signApicbasePayload(TEST_WEBHOOK_SECRET, raw),
        'the Python form differs from the raw form here',
      );

      const res = await post(system.baseUrl, raw, { 'x-apic-webhook-signature': signature });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json?.stage, 'VERIFIED');
      assert.equal(await workflowStatus(client(), orderWorkflowId(order.id)), 'RUNNING');
    });

    void it('accepts the raw-body form', async () => {
      const order = sampleOrder();
      const res = await deliverOrder(system.baseUrl, order, { form: 'raw' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.stage, 'VERIFIED');
    });

    void it('accepts the previous secret (APICBASE_WEBHOOK_SECRET_PREVIOUS), in both forms', async () => {
      for (const form of ['raw', 'python'] as const) {
        const order = sampleOrder();
        const res = await deliverOrder(system.baseUrl, order, { secret: PREVIOUS_SECRET, form });
        assert.equal(res.status, 200, `${form}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.stage, 'VERIFIED');
      }
    });

    void it('wrong, missing, truncated and other-secret signatures: 403, nothing started, counted, body not echoed or logged', async () => {
      const marker = 'DO-NOT-LOG-7f3a9c';
      const cases: Array<{ name: string; signature: (raw: string) => string | null; reason: string }> = [
        {
          name: 'wrong (another body)',
          signature: (raw) => signApicbasePayload(TEST_WEBHOOK_SECRET, `${raw} `),
          reason: 'mismatch',
        },
        { name: 'missing', signature: () => null, reason: 'missing' },
        { name: 'empty', signature: () => '', reason: 'missing' },
        {
          name: 'truncated',
          signature: (raw) => signApicbasePayload(TEST_WEBHOOK_SECRET, raw).slice(0, 62),
          reason: 'malformed',
        },
        {
          name: 'other secret, raw form',
          signature: (raw) => signApicbasePayload('some-other-secret', raw),
          reason: 'mismatch',
        },
        {
          name: 'other secret, Python form',
          signature: (raw) => pythonSampleSignature('some-other-secret', raw),
          reason: 'mismatch',
        },
        { name: 'not hex', signature: () => 'sha256=not-a-signature', reason: 'malformed' },
      ];
      const reasons = ['missing', 'malformed', 'mismatch'];
      const before = Object.fromEntries(
        await Promise.all(
          reasons.map(
            async (r) =>
              [
                r,
                await metricValue(system.baseUrl, 'order_relay_webhook_signature_failures_total', { reason: r }),
              ] as const,
          ),
        ),
      );
      const logMark = logs.lines.length;
      const refused: Array<{ order: ApicbaseOrder; requestId: string }> = [];

      for (const c of cases) {
        const order = sampleOrder({ order_remarks: `${marker} ${c.name}` });
        const raw = JSON.stringify(order);
        const signature = c.signature(raw);
        const res = await postRaw(system.baseUrl, PATH, raw, {
          'content-type': 'application/json',
          ...(signature === null ? {} : { 'x-apic-webhook-signature': signature }),
        });
        assert.equal(res.status, 403, `${c.name}: ${res.text}`);
        assert.deepEqual(res.json, { error: 'Incorrect signature' }, c.name);
        for (const fragment of [marker, order.order_number, order.id, 'Crème', 'CUST-001']) {
          assert.ok(!res.text.includes(fragment), `${c.name}: the 403 body must not echo the order (${fragment})`);
        }
        await noWorkflow(order);
        refused.push({ order, requestId: String(res.headers['x-request-id']) });
      }

      for (const r of reasons) {
        const expected = cases.filter((c) => c.reason === r).length;
        const now = await metricValue(system.baseUrl, 'order_relay_webhook_signature_failures_total', { reason: r });
        assert.equal(now - (before[r] ?? 0), expected, `signature failures with reason=${r}`);
      }
      // Nothing reached Hublify: with no workflow, nothing could.
      for (const { order } of refused) {
        assert.equal(system.sandbox.order(order.order_number), undefined);
        await noWorkflow(order);
      }
      // The requests were logged (with their request ids), the order body never.
      const logged = logs.since(logMark).join('\n');
      for (const { requestId } of refused) assert.ok(logged.includes(requestId), `request ${requestId} is logged`);
      for (const fragment of [
        marker,
        'Crème',
        'Weißwurst',
        'Weiß',
        'chef.m',
        ...refused.map((r) => r.order.order_number),
      ]) {
        assert.ok(!logged.includes(fragment), `the log must not contain the order body (${fragment})`);
      }
    });
  });

  void describe('bad input: each class gets its status and starts nothing', () => {
    void it(`413 for a body over WEBHOOK_BODY_LIMIT (${BODY_LIMIT_BYTES} bytes), signed or not`, async () => {
      const order = sampleOrder({ order_remarks: 'x'.repeat(BODY_LIMIT_BYTES) });
      const raw = JSON.stringify(order);
      assert.ok(Buffer.byteLength(raw) > BODY_LIMIT_BYTES, 'the body is over the limit');
      const signed = await post(system.baseUrl, raw);
      assert.equal(signed.status, 413, signed.text);
      assert.equal(signed.json?.error, 'Request body too large');
      const unsigned = await postRaw(system.baseUrl, PATH, raw, { 'content-type': 'application/json' });
      assert.equal(unsigned.status, 413);
      await noWorkflow(order);

      // Just under the limit is accepted: the limit is the configured one, not some other.
      const fits = sampleOrder();
      const pad = BODY_LIMIT_BYTES - Buffer.byteLength(JSON.stringify({ ...fits, order_remarks: '' }));
      const atLimit = JSON.stringify({ ...fits, order_remarks: 'y'.repeat(pad) });
      assert.equal(Buffer.byteLength(atLimit), BODY_LIMIT_BYTES);
      const ok = await post(system.baseUrl, atLimit);
      assert.equal(ok.status, 200, ok.text);
    });

    void it('a signed JSON order is taken whatever its Content-Type (none, text/plain, form, octet-stream)', async () => {
      for (const contentType of [
        undefined,
        'text/plain',
        'text/plain; charset=utf-8',
        'application/x-www-form-urlencoded',
        'application/octet-stream',
      ]) {
        const order = sampleOrder();
        const raw = JSON.stringify(order);
        const headers: Record<string, string> = {
          'x-apic-webhook-signature': signApicbasePayload(TEST_WEBHOOK_SECRET, raw),
          ...(contentType ? { 'content-type': contentType } : {}),
        };
        const res = await postRaw(system.baseUrl, PATH, raw, headers);
        assert.equal(res.status, 200, `${String(contentType)}: ${res.text}`);
        assert.equal(res.json?.workflowId, orderWorkflowId(order.id));
        assert.equal(await workflowExists(client(), orderWorkflowId(order.id)), true, String(contentType));
      }
    });

    void it('400 for signed malformed JSON', async () => {
      const order = sampleOrder();
      for (const raw of [
        JSON.stringify(order).slice(0, -1),
        `${JSON.stringify(order)},`,
        '',
        '\uFEFF' + JSON.stringify(order),
        Buffer.from([0x7b, 0xff, 0x7d]),
      ]) {
        const res = await post(system.baseUrl, raw, { 'content-type': 'text/plain' });
        assert.equal(res.status, 400, `${JSON.stringify(raw.slice(-20))}: ${res.text}`);
        assert.match(String(res.json?.error), /JSON/);
      }
      await noWorkflow(order);
    });

    void it('422 listing every schema problem (missing fields, wrong types)', async () => {
      const order = sampleOrder();
      const broken = structuredClone(order) as unknown as Record<string, unknown> & {
        packages: Array<Record<string, Record<string, unknown>>>;
      };
      delete broken.order_number;
      delete broken.packages[0]!.quantity_ordered;
      broken.theoretical_price = 64.9;
      broken.packages[1]!.supplier_package!.supplier_article_number = 123;
      broken.owned_by = 'chef';
      const res = await post(system.baseUrl, JSON.stringify(broken));
      assert.equal(res.status, 422, res.text);
      const problems = res.json?.problems as string[];
      assert.ok(Array.isArray(problems), res.text);
      for (const where of [
        'order_number',
        'packages.0.quantity_ordered',
        'theoretical_price',
        'packages.1.supplier_package.supplier_article_number',
        'owned_by',
      ]) {
        assert.ok(
          problems.some((p) => p.startsWith(`${where}: `)),
          `a problem for ${where} in ${JSON.stringify(problems)}`,
        );
      }
      assert.equal(problems.length, 5, JSON.stringify(problems));
      await noWorkflow(order);

      // A body that is JSON but not an object at all.
      for (const raw of ['[]', '"order"', '42', 'null']) {
        const r = await post(system.baseUrl, raw);
        assert.equal(r.status, 422, `${raw}: ${r.text}`);
      }
    });

    void it('422 for an id that is a path step (".." inside, "." at either end): the Apicbase URL of a PATCH cannot be steered, nothing started (issue 24.8)', async () => {
      for (const id of ['..', '.', '...', 'a..b', '../purchase_orders', '.hidden', 'trailing.']) {
        const order = sampleOrder({ id });
        const res = await deliverOrder(system.baseUrl, order);
        assert.equal(res.status, 422, `${id}: ${JSON.stringify(res.body)}`);
        const problems = res.body.problems as string[];
        assert.ok(
          problems.some((p) => p.startsWith('id: ') && p.includes('must not contain ".." nor start or end with "."')),
          `${id}: ${JSON.stringify(problems)}`,
        );
        await noWorkflow(order);
      }
      // A dot inside an id is still an id.
      const dotted = sampleOrder({ id: `po.${Date.now()}.1` });
      const ok = await deliverOrder(system.baseUrl, dotted);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(await workflowExists(client(), orderWorkflowId(dotted.id)), true);
    });

    void it('422 for an unknown supplier_customer_number, saying the customer location is not set up', async () => {
      const order = sampleOrder({ supplier_customer_number: 'CUST-404' });
      const res = await deliverOrder(system.baseUrl, order);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      const problems = res.body.problems as string[];
      assert.equal(problems.length, 1);
      assert.match(problems[0] ?? '', /"CUST-404".*not set up as a customer location/);
      await noWorkflow(order);
    });

    void it('verified mode: an order failing the business checks gets 422 with every reason, reaches no Hublify order, and may be re-placed at once after fixing', async () => {
      const order = sampleOrder({ status: 'DRAFT' });
      order.packages[0]!.quantity_ordered = 0;
      const workflowId = orderWorkflowId(order.id);

      const res = await deliverOrder(system.baseUrl, order);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.stage, 'REJECTED');
      assert.equal(res.body.workflowId, workflowId);
      const problems = res.body.problems as string[];
      assert.equal(problems.length, 2, JSON.stringify(problems));
      assert.ok(
        problems.some((p) => /^status is "DRAFT"/.test(p)),
        JSON.stringify(problems),
      );
      assert.ok(
        problems.some((p) => /^packages\[0\]\.quantity_ordered is 0/.test(p)),
        JSON.stringify(problems),
      );
      // The workflow ran and ended rejected (failed): allowed. No Hublify order: required.
      assert.equal(await workflowStatus(client(), workflowId), 'FAILED');
      const rejectedRun = (await client().workflow.getHandle(workflowId).describe()).runId;
      assert.equal(system.sandbox.order(order.order_number), undefined);

      // The customer fixes it and places it again, straight away: same id, new run, accepted.
      const fixed: ApicbaseOrder = {
        ...order,
        status: 'ORDERED',
        packages: order.packages.map((p) => ({ ...p, quantity_ordered: 2 })),
      };
      const again = await deliverOrder(system.baseUrl, fixed);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.stage, 'VERIFIED');
      const handle = client().workflow.getHandle(workflowId);
      assert.notEqual((await handle.describe()).runId, rejectedRun);
      await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
      assert.ok(system.sandbox.order(order.order_number), 'the fixed order is in Hublify');
    });
  });

  void describe('ack modes', () => {
    // Verification needs no Hublify: whatever Hublify does, the customer gets 200 VERIFIED. The fault
    // lasts until the answer is in (a count no test reaches), so the answer cannot have waited for Hublify.
    const UNTIL_CLEARED = 1_000_000;
    const outages = [
      {
        name: 'verified (default): a Hublify outage (http500) still gets 200 VERIFIED, and the order is injected once Hublify is back',
        fault: { kind: 'http500', count: UNTIL_CLEARED },
      },
      {
        name: 'verified: a hanging Hublify still gets 200 VERIFIED, and the order is injected once Hublify answers again',
        fault: { kind: 'hang', count: UNTIL_CLEARED },
      },
    ] as const;
    for (const outage of outages) {
      void it(outage.name, async () => {
        const fault = system.sandbox.injectFault(outage.fault);
        try {
          const order = sampleOrder();
          const res = await deliverOrder(system.baseUrl, order);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.equal(res.body.stage, 'VERIFIED');
          assert.equal(system.sandbox.order(order.order_number), undefined, 'Hublify is really down');
          assert.ok(
            system.sandbox.faults().some((f) => f.kind === fault.kind),
            'the fault was still on when the answer came',
          );
          system.sandbox.clearFaults();
          await eventually(() => assert.ok(system.sandbox.order(order.order_number), 'injected once Hublify is back'));
        } finally {
          system.sandbox.clearFaults();
        }
      });
    }

    void it('accepted (WEBHOOK_ACK_MODE=accepted): 200 RECEIVED right after the durable start', async () => {
      await system.restartRelay({ WEBHOOK_ACK_MODE: 'accepted' });
      const order = sampleOrder();
      const res = await deliverOrder(system.baseUrl, order);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.stage, 'RECEIVED');
      assert.equal(res.body.workflowId, orderWorkflowId(order.id));
      assert.ok(await workflowExists(client(), orderWorkflowId(order.id)), 'the workflow exists');
      // In this mode the business checks run after the answer: a bad order is accepted, then rejected — and,
      // as the customer never saw a 422, it waits for support in NEEDS_ATTENTION instead of ending unseen.
      const bad = sampleOrder({ status: 'DRAFT' });
      const late = await deliverOrder(system.baseUrl, bad);
      assert.equal(late.status, 200, JSON.stringify(late.body));
      assert.equal(late.body.stage, 'RECEIVED');
      const badHandle = client().workflow.getHandle(orderWorkflowId(bad.id));
      await waitForStatus(badHandle, stageIs('NEEDS_ATTENTION'));
      assert.equal(await workflowStatus(client(), orderWorkflowId(bad.id)), 'RUNNING');
      await badHandle.terminate('test done');
      // Schema problems are still refused up front.
      const res422 = await post(system.baseUrl, JSON.stringify({ ...sampleOrder(), packages: 'none' }));
      assert.equal(res422.status, 422);
    });

    void it('verified, verdict late (no worker): 202 with the workflowId once the start is durable; the order goes on when a worker is back', async () => {
      const verifyDeadlineMs = 1_500;
      await system.restartRelay({ WEBHOOK_VERIFY_DEADLINE_MS: String(verifyDeadlineMs) });
      system.relay.worker?.shutdown();
      await system.relay.workerDone;

      const order = sampleOrder();
      const workflowId = orderWorkflowId(order.id);
      const started = Date.now();
      const res = await deliverOrder(system.baseUrl, order);
      const elapsed = Date.now() - started;
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.workflowId, workflowId);
      assert.equal(res.body.stage, 'RECEIVED');
      // A lower bound only: load can make the answer later, never earlier.
      assert.ok(elapsed >= verifyDeadlineMs - 50, `answered after the verify deadline: ${elapsed} ms`);
      assert.equal(await workflowStatus(client(), workflowId), 'RUNNING');

      await system.restartRelay();
      const status = await waitForStatus(client().workflow.getHandle(workflowId), stageIs('WAITING_FOR_SHIPMENT'));
      assert.ok(status.hublify, 'injected');
      // A redelivery now joins it and gets the verdict.
      const again = await deliverOrder(system.baseUrl, order);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.workflowId, workflowId);
    });
  });

  void describe('responses, headers and metrics', () => {
    void it('the body has workflowId, stage and the Web UI link; X-Request-Id is given back', async () => {
      const order = sampleOrder();
      const raw = JSON.stringify(order);
      const res = await post(system.baseUrl, raw, { 'x-request-id': 'apicbase-delivery-42' });
      assert.equal(res.status, 200, res.text);
      const workflowId = `apicbase-order-${order.id}`;
      assert.equal(res.json?.workflowId, workflowId);
      assert.equal(res.json?.stage, 'VERIFIED');
      assert.equal(res.json?.webUi, `${UI_URL}/namespaces/default/workflows/${workflowId}`);
      assert.equal(res.headers['x-request-id'], 'apicbase-delivery-42');
      assert.match(String(res.headers['content-type']), /^application\/json/);
      // The request id is in the relay's log line for this answer.
      const answered = await eventually(() => {
        const lines = logs.lines
          .map((l) => JSON.parse(l) as { msg?: string; req?: { id?: string }; workflowId?: string })
          .filter((l) => l.msg === 'apicbase order answered' && l.workflowId === workflowId);
        assert.equal(lines.length, 1);
        return lines;
      });
      assert.equal(answered[0]?.req?.id, 'apicbase-delivery-42');
    });

    void it('every response has an X-Request-Id and the security headers', async () => {
      const order = sampleOrder();
      const raw = JSON.stringify(order);
      const responses = {
        200: await post(system.baseUrl, raw),
        403: await postRaw(system.baseUrl, PATH, raw, { 'content-type': 'application/json' }),
        413: await post(system.baseUrl, JSON.stringify({ ...order, order_remarks: 'z'.repeat(BODY_LIMIT_BYTES) })),
        400: await post(system.baseUrl, '{'),
        422: await post(system.baseUrl, '{}'),
        404: await postRaw(system.baseUrl, '/webhooks/apicbase/nothing-here', raw, {
          'content-type': 'application/json',
        }),
      };
      const ids = new Set<string>();
      for (const [status, res] of Object.entries(responses)) {
        assert.equal(res.status, Number(status), `${status}: ${res.text}`);
        const id = res.headers['x-request-id'];
        assert.match(String(id), /^[\w.-]{8,}$/, `${status} has an X-Request-Id`);
        ids.add(String(id));
        assert.equal(res.headers['x-content-type-options'], 'nosniff', `${status}`);
        assert.match(String(res.headers['content-security-policy']), /default-src 'self'/, `${status}`);
        assert.match(String(res.headers['strict-transport-security']), /max-age=\d+/, `${status}`);
        assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', `${status}`);
        assert.equal(res.headers['referrer-policy'], 'no-referrer', `${status}`);
        assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', `${status}`);
        assert.equal(res.headers['x-powered-by'], undefined, `${status}`);
      }
      assert.equal(ids.size, Object.keys(responses).length, 'a fresh id per request');
      for (const url of ['/healthz', '/metrics']) {
        const res = await fetch(`${system.baseUrl}${url}`);
        assert.match(String(res.headers.get('x-request-id')), /^[\w.-]{8,}$/, url);
      }
    });

    void it('/metrics: requests by route and status, signature failures and the accept latency histogram', async () => {
      const order = sampleOrder();
      assert.equal((await deliverOrder(system.baseUrl, order)).status, 200);
      assert.equal((await deliverOrder(system.baseUrl, order, { signature: null })).status, 403);
      assert.equal(
        (await deliverOrder(system.baseUrl, sampleOrder({ supplier_customer_number: 'CUST-404' }))).status,
        422,
      );

      const text = await (await fetch(`${system.baseUrl}/metrics`)).text();
      const requests = (status: string) => metricSum(text, 'order_relay_http_requests_total', { route: PATH, status });
      assert.ok(requests('200') >= 1, text);
      assert.ok(requests('403') >= 1, text);
      assert.ok(requests('422') >= 1, text);
      assert.equal(requests('500'), 0);
      assert.ok(metricSum(text, 'order_relay_webhook_signature_failures_total') >= 1);
      assert.ok(metricSum(text, 'order_relay_webhook_accept_seconds_count', { outcome: 'verified' }) >= 1);
      assert.ok(metricSum(text, 'order_relay_webhook_accept_seconds_bucket', { outcome: 'verified', le: '+Inf' }) >= 1);
      assert.match(text, /^order_relay_webhook_accept_seconds_bucket\{le="0\.1",outcome="verified"\} \d+$/m);
      assert.match(text, /^# TYPE order_relay_webhook_accept_seconds histogram$/m);
      assert.match(text, /^# TYPE order_relay_webhook_duplicates_total counter$/m);
    });
  });

  void describe('no APICBASE_WEBHOOK_SECRET', () => {
    void it('503 "not configured" for every delivery, signed or not; one clear log line at start; nothing started', async () => {
      await system.restartRelay({ APICBASE_WEBHOOK_SECRET: '', APICBASE_WEBHOOK_SECRET_PREVIOUS: '' });
      try {
        const mark = logs.lines.length;
        const order = sampleOrder();
        const raw = JSON.stringify(order);
        const answers = [
          await post(system.baseUrl, raw),
          await postRaw(system.baseUrl, PATH, raw, { 'content-type': 'application/json' }),
          await post(system.baseUrl, raw, { 'x-apic-webhook-signature': '0'.repeat(64) }),
        ];
        for (const res of answers) {
          assert.equal(res.status, 503, res.text);
          assert.deepEqual(res.json, { error: 'not configured' });
        }
        await noWorkflow(order);
        const explained = logs.lines.filter((l) => l.includes('APICBASE_WEBHOOK_SECRET is not set'));
        assert.equal(explained.length, 1, 'said once, at start, not per delivery');
        assert.equal(logs.since(mark).filter((l) => l.includes('APICBASE_WEBHOOK_SECRET is not set')).length, 0);
        assert.equal((JSON.parse(explained[0]!) as { level: number }).level >= 50, true, 'logged as an error');
      } finally {
        await system.restartRelay();
      }
      assert.equal((await deliverOrder(system.baseUrl, sampleOrder())).status, 200, 'configured again: accepted');
    });
  });
});

// ---- Temporal stopped and started again ------------------------------------------------------
// TestWorkflowEnvironment cannot restart a server on the same port, so this runs the CLI's dev
// server directly, with a SQLite file that survives the restart.

void describe('Temporal stopped: 503 within the deadline, the same order accepted once it is back', () => {
  // Short deadlines for the relays that must answer 503 while Temporal is down; the relay with the
  // worker waits for verdicts as long as the test waits for any event (a loaded machine is slow).
  const ACCEPT_DEADLINE_MS = 1_500;
  const VERIFY_DEADLINE_MS = 1_500;
  // The outage's length is the scenario (grpc-js's reconnect backoff grows while it lasts), not a wait
  // for something to happen.
  const OUTAGE_MS = 10_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'order-relay-restart-'));
  const dbFile = path.join(dir, 'temporal.sqlite');
  let port: number;
  let uiPort: number;
  let server: DevServer | undefined;
  let sandbox: Awaited<ReturnType<typeof startHublifySandbox>> | undefined;
  let verified: RunningOrderRelay | undefined;
  let impatient: RunningOrderRelay | undefined;
  let accepted: RunningOrderRelay | undefined;
  let taskQueue: string;
  const urlOf = (relay: RunningOrderRelay | undefined) => `http://127.0.0.1:${relay?.httpPort}`;

  const startServer = async () => {
    server = await startDevServer({
      cliPath: temporalCliForTests(),
      ip: '127.0.0.1',
      port,
      uiPort,
      dbFile,
      namespace: 'default',
      log: () => undefined,
    });
  };

  /** Until the relay says it is ready (Temporal reachable; its worker running, if it has one). */
  const ready = (relay: RunningOrderRelay | undefined) =>
    eventually(async () => assert.equal((await fetch(`${urlOf(relay)}/readyz`)).status, 200, 'ready'));

  /** Until the restarted server has seen the worker poll its task queue again. */
  const workerPolls = () =>
    eventually(async () => {
      const { pollers } = await verified!.client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      assert.ok((pollers ?? []).length > 0, 'a worker polls the task queue');
    });

  before(async () => {
    port = await freeLoopbackPort();
    uiPort = await freeLoopbackPort();
    await startServer();
    sandbox = await startHublifySandbox({
      host: '127.0.0.1',
      port: 0,
      token: TEST_CHANNEL_TOKEN,
      channel: 'channel_10',
    });
    const logger = createLogger('silent');
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATA_DIR: path.join(dir, 'data'),
      TEMPORAL_ADDRESS: server!.address,
      TEMPORAL_UI_URL: server!.uiUrl,
      HUBLIFY_URL: sandbox.url,
      HUBLIFY_CHANNEL_TOKEN: TEST_CHANNEL_TOKEN,
      HUBLIFY_TIMEOUT_MS: '2000',
      APICBASE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      ...PATIENT_DEADLINES,
      TRACK_POLL_SCHEDULE: '1h',
    });
    taskQueue = config.TEMPORAL_TASK_QUEUE;
    const workflowBundle = await testWorkflowBundle();
    verified = await startOrderRelay({ config, logger, workflowBundle });
    const short = {
      ...config,
      WEBHOOK_ACCEPT_DEADLINE_MS: ACCEPT_DEADLINE_MS,
      WEBHOOK_VERIFY_DEADLINE_MS: VERIFY_DEADLINE_MS,
    };
    impatient = await startOrderRelay({ config: short, logger, roles: { api: true, worker: false } });
    accepted = await startOrderRelay({
      config: { ...short, WEBHOOK_ACK_MODE: 'accepted' },
      logger,
      roles: { api: true, worker: false },
    });
  });
  after(async () => {
    await accepted?.close();
    await impatient?.close();
    await verified?.close();
    await sandbox?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('answers 503 while Temporal is down (after the deadline), and 2xx for the same order after it restarts', async (t) => {
    // Up: the order is verified.
    const first = sampleOrder();
    const up = await deliverOrder(urlOf(verified), first);
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal(up.body.stage, 'VERIFIED');

    await server!.stop();
    const stoppedAt = Date.now();
    const order = sampleOrder();
    const second = sampleOrder();

    // accepted mode: the accept deadline passes, 503.
    let started = Date.now();
    const downAccepted = await deliverOrder(urlOf(accepted), second);
    t.diagnostic(`accepted mode, Temporal down: ${downAccepted.status} after ${Date.now() - started} ms`);
    assert.equal(downAccepted.status, 503, JSON.stringify(downAccepted.body));

    // verified mode: the verify deadline, then the accept deadline to learn whether the start was
    // durable (it was not: 503, not 202).
    started = Date.now();
    const down = await deliverOrder(urlOf(impatient), order);
    t.diagnostic(`verified mode, Temporal down: ${down.status} after ${Date.now() - started} ms`);
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.match(String(down.body.error), /could not be accepted right now/);
    assert.equal(down.body.workflowId, orderWorkflowId(order.id));
    assert.equal(sandbox!.order(order.order_number), undefined);

    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));

    // Back on the same port and database: the same relays reconnect on their own (no restart).
    await startServer();
    const restarted = Date.now();
    await Promise.all([ready(verified), ready(impatient), ready(accepted), workerPolls()]);
    t.diagnostic(`ready and polling again ${Date.now() - restarted} ms after the restart`);

    // The relay with the worker gives the verdict for the order refused during the outage.
    const back = await deliverOrder(urlOf(verified), order);
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.stage, 'VERIFIED');
    assert.equal(back.body.workflowId, orderWorkflowId(order.id));
    // The short-deadline relays accept again (their verdict may be late: 202 says the start is durable).
    const joined = await deliverOrder(urlOf(impatient), order);
    assert.ok(joined.status === 200 || joined.status === 202, JSON.stringify(joined.body));
    assert.equal(joined.body.workflowId, orderWorkflowId(order.id));
    const backAccepted = await deliverOrder(urlOf(accepted), second);
    assert.equal(backAccepted.status, 200, JSON.stringify(backAccepted.body));
    assert.equal(backAccepted.body.stage, 'RECEIVED');
    assert.equal(verified!.worker?.getState(), 'RUNNING');

    // Nothing was lost across the restart, and the orders go on to Hublify.
    const client = verified!.client;
    assert.ok(
      await workflowExists(client, orderWorkflowId(first.id)),
      'the order accepted before the restart is still there',
    );
    for (const o of [order, second]) {
      const status = await waitForStatus(
        client.workflow.getHandle(orderWorkflowId(o.id)),
        stageIs('WAITING_FOR_SHIPMENT'),
      );
      assert.ok(status.hublify, `${o.id} injected`);
    }
    assert.equal((await client.workflow.getHandle(orderWorkflowId(order.id)).query(statusQuery)).apicbaseId, order.id);
  });
});
