// The admin HTTP API (/admin/…) against the running system: every route, its bearer-token check
// (401 without or with a wrong token), 503 while ADMIN_TOKEN is unset, and no secret in any answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pollUntil } from '../src/poll-until';
import { parsePollSchedule } from '../src/orders/poll-schedule-spec';
import type { OrderStatus } from '../workflows/order-status';
import { runCliProcess } from './helpers/cli-process';
import { PATIENCE_MS } from './helpers/patience';
import { orderWithUnknownArticle, sampleOrder } from './helpers/sample-order';
import { startTestOrder, stageIs, waitForStatus } from './helpers/orders';
import { TEST_CHANNEL_TOKEN, TEST_HUBLIFY_PUSH_TOKEN, TEST_WEBHOOK_SECRET, useTestSystem } from './helpers/system';
import { inStage, waitForVisible } from './helpers/visibility';

const ADMIN_TOKEN = 'test-admin-token-7c1e9a2b4d';
const slowPolls = { pollSchedule: parsePollSchedule('1h') };
const inAWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString();

/** Every route, with a body where it takes one (for the auth checks). */
const ROUTES: Array<[method: 'GET' | 'POST', path: string, body?: unknown]> = [
  ['GET', '/admin/orders'],
  ['GET', '/admin/orders/PO-1'],
  ['POST', '/admin/orders/PO-1/cancel', { reason: 'x' }],
  ['POST', '/admin/orders/PO-1/retry', {}],
  ['POST', '/admin/orders/PO-1/poll'],
  ['POST', '/admin/orders/PO-1/amend', { order: { o_comment: 'x' } }],
  ['POST', '/admin/orders/replay', { order: sampleOrder() }],
  ['GET', '/admin/customers/check'],
  ['GET', '/admin/doctor'],
];

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
  headers: Headers;
}

void describe('admin API', () => {
  const system = useTestSystem({ ADMIN_TOKEN });
  const answers: string[] = [];

  /** `authorization`: the header's value, or null to send none. */
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    authorization: string | null = `Bearer ${ADMIN_TOKEN}`,
  ): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (authorization !== null) headers.authorization = authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${system.baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, text, headers: res.headers };
  };
  const get = (path: string) => call('GET', path);
  const post = (path: string, body?: unknown) => call('POST', path, body);

  void it('refuses every route without the token, with a wrong one, or another scheme (401)', async () => {
    for (const [method, path, body] of ROUTES) {
      for (const [label, authorization] of [
        ['no header', null],
        ['empty header', ''],
        ['bearer without a token', 'Bearer '],
        ['wrong token', 'Bearer wrong-token-wrong-token'],
        ['token with a suffix', `Bearer ${ADMIN_TOKEN}x`],
        ['token prefix', `Bearer ${ADMIN_TOKEN.slice(0, -1)}`],
        ['basic scheme', `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`],
        ['token without scheme', ADMIN_TOKEN],
      ] as const) {
        const r = await call(method, path, body, authorization);
        assert.equal(r.status, 401, `${method} ${path} (${label}): ${r.text}`);
        assert.equal(r.body.error, 'Missing or wrong bearer token');
        assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
    }
    // Nothing happened: the replayed order was never started.
    const replayed = ROUTES.find(([, path]) => path === '/admin/orders/replay')![2] as { order: { id: string } };
    await assert.rejects(system.relay.client.workflow.getHandle(`apicbase-order-${replayed.order.id}`).describe());
    // The token is accepted in any case of the scheme word.
    assert.equal((await call('GET', '/admin/customers/check', undefined, `bearer ${ADMIN_TOKEN}`)).status, 200);
  });

  void it('a stuck order: listed (needsAttention), shown, amended, retried, polled and shipped', async () => {
    const normal = sampleOrder({ expected_delivery_date: inAWeek() });
    const normalHandle = await startTestOrder(system, normal, slowPolls);
    const stuckOrder = orderWithUnknownArticle({ expected_delivery_date: inAWeek() });
    const handle = await startTestOrder(system, stuckOrder, slowPolls);
    await waitForStatus(normalHandle, stageIs('WAITING_FOR_SHIPMENT'));
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    await waitForVisible(system.relay.client, inStage(handle.workflowId, 'NEEDS_ATTENTION'));
    await waitForVisible(system.relay.client, inStage(normalHandle.workflowId, 'WAITING_FOR_SHIPMENT'));

    const list = await get('/admin/orders?needsAttention=true');
    assert.equal(list.status, 200, list.text);
    const orders = list.body.orders as Array<{ workflowId: string; orderNumber: string; stage: string }>;
    assert.deepEqual(
      orders.map((o) => [o.workflowId, o.orderNumber, o.stage]),
      [[handle.workflowId, stuckOrder.order_number, 'NEEDS_ATTENTION']],
    );
    const filtered = await get(
      `/admin/orders?stage=WAITING_FOR_SHIPMENT&customer=CUST-001&since=${encodeURIComponent(new Date(Date.now() - 600_000).toISOString())}`,
    );
    assert.deepEqual(
      (filtered.body.orders as Array<{ workflowId: string }>).map((o) => o.workflowId),
      [normalHandle.workflowId],
    );
    assert.deepEqual((await get('/admin/orders?overdue=true')).body.orders, []);
    assert.deepEqual((await get('/admin/orders?since=2099-01-01')).body.orders, []);
    assert.equal((await get('/admin/orders?limit=1&running=true')).body.truncated, true);
    // Bad filters are 400 with the reason; an unknown parameter is not silently ignored.
    assert.equal((await get('/admin/orders?stage=LOST')).status, 400);
    assert.equal((await get('/admin/orders?since=yesterday-ish')).status, 400);
    assert.equal((await get('/admin/orders?needs_attention=true')).status, 400);
    const quoted = await get(`/admin/orders?customer=${encodeURIComponent('x" OR CustomerNumber != "x')}`);
    assert.equal(quoted.status, 400);
    assert.match(String(quoted.body.error), /cannot be searched for/);

    // Shown by order number and by Apicbase id.
    const shown = await get(`/admin/orders/${encodeURIComponent(stuckOrder.order_number)}`);
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.body.workflowId, handle.workflowId);
    assert.equal(shown.body.stage, 'NEEDS_ATTENTION');
    assert.match(String(shown.body.lastError), /NO-SUCH-ITEM/);
    assert.equal(shown.body.webUi, `http://127.0.0.1:8233/namespaces/default/workflows/${handle.workflowId}`);
    assert.equal((await get(`/admin/orders/${stuckOrder.id}`)).body.workflowId, handle.workflowId);
    assert.equal((await get(`/admin/orders/${handle.workflowId}`)).body.orderNumber, stuckOrder.order_number);

    // Amend: a bad request is 400 (nothing sent); the items fix re-injects it.
    const bad = await post(`/admin/orders/${stuckOrder.id}/amend`, { order: { o_orderid_external: 'X' } });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body.problems), /o_orderid_external cannot be amended/);
    assert.equal((await post(`/admin/orders/${stuckOrder.id}/amend`, { order: { o_comment: 42 } })).status, 400);
    assert.equal((await post(`/admin/orders/${stuckOrder.id}/amend`, { orderz: [] })).status, 400);
    const amended = await post(`/admin/orders/${stuckOrder.id}/amend`, {
      orderitems: [{ oi_pcode: 'EK00001', oi_quantity: 3 }],
      note: 'article replaced',
    });
    assert.equal(amended.status, 200, amended.text);
    assert.deepEqual(
      [amended.body.outcome, amended.body.updated, amended.body.refused],
      ['reinjected', ['orderitems'], []],
    );
    const waiting = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    // Once in Hublify: order_update, with what Hublify refused.
    const update = await post(`/admin/orders/${stuckOrder.id}/amend`, {
      order: { deliver_town: 'Hamburg', st_label: 'rush' },
    });
    assert.equal(update.status, 200, update.text);
    assert.deepEqual(
      [update.body.outcome, update.body.updated, update.body.refused],
      ['updated', ['deliver_town'], ['st_label']],
    );

    // The refused correction (st_label) is not in Hublify: the order waits for support, naming it (issue 22, I3).
    const attention = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    assert.match(attention.lastError ?? '', /st_label/);
    // Retry sends the open correction again (order_update); Hublify refuses it again, and the order keeps waiting.
    const updatesBefore = system.sandbox.requestCounts().order_update ?? 0;
    const retried = await post(`/admin/orders/${stuckOrder.id}/retry`, { note: 'checking' });
    assert.equal(retried.status, 202, retried.text);
    assert.deepEqual(
      [retried.body.signalled, retried.body.stage, retried.body.note],
      ['retry', 'NEEDS_ATTENTION', undefined],
    );
    await pollUntil(() => (system.sandbox.requestCounts().order_update ?? 0) > updatesBefore, {
      what: "the retry's order_update",
      timeoutMs: PATIENCE_MS,
    });
    assert.equal((await waitForStatus(handle, stageIs('NEEDS_ATTENTION'))).stage, 'NEEDS_ATTENTION');
    // Shipped in Hublify, a poll brings it home.
    system.sandbox.ship(stuckOrder.order_number, { shipments: [{ carrier: 'dhl', trackingCode: 'JJD-ADMIN-1' }] });
    const polled = await post(`/admin/orders/${encodeURIComponent(stuckOrder.order_number)}/poll`);
    assert.equal(polled.status, 202, polled.text);
    assert.equal((await handle.result()).stage, 'SHIPPED');
    const done = await get(`/admin/orders/${stuckOrder.id}`);
    assert.equal(done.body.stage, 'SHIPPED');
    assert.equal((done.body.hublify as OrderStatus['hublify'])?.orderId, waiting.hublify?.orderId);
    assert.deepEqual(
      (done.body.shipments as OrderStatus['shipments']).map((s) => s.trackingCode),
      ['JJD-ADMIN-1'],
    );
    const addresses = done.body.addresses as { invoice: Record<string, string>; deliver: Record<string, string> };
    assert.deepEqual(
      [addresses.deliver.town, addresses.invoice.town, addresses.invoice.company],
      ['Hamburg', 'München', 'Gasthaus Zum Löwen GmbH'],
    );
    // Closed: 409 for anything that would change it; a poll of a shipped order says there is nothing to poll.
    assert.equal((await post(`/admin/orders/${stuckOrder.id}/retry`)).status, 409);
    const pollShipped = await post(`/admin/orders/${stuckOrder.id}/poll`);
    assert.deepEqual([pollShipped.body.signalled, pollShipped.body.stage], [null, 'SHIPPED']);
    await normalHandle.cancel();
  });

  void it('cancel with a reason (visible when shown); 400 without one; 409 once closed', async () => {
    const o = sampleOrder({ expected_delivery_date: inAWeek() });
    const handle = await startTestOrder(system, o, slowPolls);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal((await post(`/admin/orders/${o.id}/cancel`, {})).status, 400);
    assert.equal((await post(`/admin/orders/${o.id}/cancel`, { reason: '   ' })).status, 400);
    // Hublify holds the order and cannot cancel it: 409, and the order goes on.
    const refused = await post(`/admin/orders/${o.id}/cancel`, { reason: 'duplicate order' });
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.text, /cancel it in Hublify/);
    const cancelled = await post(`/admin/orders/${o.id}/cancel`, { reason: 'duplicate order', stopTracking: true });
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.deepEqual(
      [cancelled.body.closed, cancelled.body.outcome, cancelled.body.stage, cancelled.body.hublifyStillLive],
      [true, 'stopped-tracking', 'CANCELLED', true],
    );
    const shown = await get(`/admin/orders/${o.id}`);
    assert.deepEqual(
      [shown.body.stage, shown.body.execution, shown.body.cancelReason],
      ['CANCELLED', 'COMPLETED', 'duplicate order'],
    );
    assert.equal((await post(`/admin/orders/${o.id}/cancel`, { reason: 'again' })).status, 409);
  });

  void it('replay: 201 started (source support), 200 joined, 400 with every problem for a bad payload', async () => {
    const o = sampleOrder({ expected_delivery_date: inAWeek() });
    const started = await post('/admin/orders/replay', { order: o });
    assert.equal(started.status, 201, started.text);
    assert.deepEqual([started.body.outcome, started.body.workflowId], ['started', `apicbase-order-${o.id}`]);
    const handle = system.relay.client.workflow.getHandle(`apicbase-order-${o.id}`);
    assert.equal((await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'))).source, 'support');
    const joined = await post('/admin/orders/replay', { order: o });
    assert.deepEqual([joined.status, joined.body.outcome], [200, 'joined']);
    await handle.cancel();

    const invalid = await post('/admin/orders/replay', { order: { ...o, order_number: '', packages: 'none' } });
    assert.equal(invalid.status, 400);
    const problems = invalid.body.problems as string[];
    assert.ok(
      problems.some((p) => p.startsWith('order_number:')) && problems.some((p) => p.startsWith('packages:')),
      problems.join(),
    );
    assert.equal((await post('/admin/orders/replay', {})).status, 400);
    const malformed = await fetch(`${system.baseUrl}/admin/orders/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{"order": ',
    });
    assert.equal(malformed.status, 400);
    assert.match(malformed.headers.get('content-type') ?? '', /json/);
  });

  void it('not found: 404 for every order route', async () => {
    for (const [method, path, body] of ROUTES.filter(([, p]) => p.startsWith('/admin/orders/PO-1'))) {
      const r = await call(method, path.replace('PO-1', `PO-NOPE-${Date.now()}`), body);
      assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.kind, 'not-found');
    }
    assert.equal((await get('/admin/nothing-here')).status, 404);
  });

  void it('customers check and doctor; no answer ever carries a secret', async () => {
    const customers = await get('/admin/customers/check');
    assert.equal(customers.status, 200, customers.text);
    assert.equal(customers.body.valid, true);
    assert.ok((customers.body.customerNumbers as string[]).includes('CUST-001'));

    const doctor = await get('/admin/doctor');
    assert.equal(doctor.status, 200, doctor.text);
    const checks = Object.fromEntries(
      (doctor.body.checks as Array<{ name: string; status: string }>).map((c) => [c.name, c.status]),
    );
    assert.deepEqual(
      [
        checks.configuration,
        checks['admin API'],
        checks['customer directory'],
        checks.temporal,
        checks.hublify,
        checks['apicbase token'],
      ],
      ['ok', 'ok', 'ok', 'ok', 'ok', 'skip'],
    );
    assert.equal(doctor.headers.get('cache-control'), 'no-store');

    const everything = answers.join('\n');
    for (const secret of [ADMIN_TOKEN, TEST_CHANNEL_TOKEN, TEST_WEBHOOK_SECRET, TEST_HUBLIFY_PUSH_TOKEN]) {
      assert.ok(!everything.includes(secret), `an answer contains a secret (${secret.slice(0, 8)}…)`);
    }
  });

  void it("`order-relay doctor --server URL` (or ORDER_RELAY_ADMIN_URL) shows the running relay's report; without it the CLI says it checks its own settings (issue 26.4)", async () => {
    // The operator's shell differs from the server's: SMTP_URL is set here, not on the relay.
    const shell = { ADMIN_TOKEN, SMTP_URL: 'smtp://127.0.0.1:2525' };
    type Report = {
      checkedBy: string;
      server?: string;
      ok: boolean;
      checks: Array<{ name: string; status: string; detail: string }>;
    };
    const emailCheck = (r: Report) => r.checks.find((c) => c.name === 'customer e-mail')?.status;

    const asked = await runCliProcess(system, ['doctor', '--server', system.baseUrl, '--json'], shell);
    assert.equal(asked.code, 0, asked.stderr);
    const relay = JSON.parse(asked.stdout) as Report;
    assert.deepEqual([relay.checkedBy, relay.server, relay.ok], ['relay', system.baseUrl, true]);
    assert.equal(emailCheck(relay), 'skip', "the relay has no SMTP_URL: its own view, not the shell's");
    const viaEnv = await runCliProcess(system, ['doctor'], { ...shell, ORDER_RELAY_ADMIN_URL: `${system.baseUrl}/` });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.match(
      viaEnv.stdout.split('\n')[0]!,
      new RegExp(`^Checked by the running relay at ${system.baseUrl.replace(/[.]/g, '\\.')}/ \\(GET /admin/doctor\\)`),
    );
    assert.match(viaEnv.stdout, /^\[skip\] customer e-mail: /m);

    const own = await runCliProcess(system, ['doctor'], shell);
    assert.equal(own.code, 0, own.stderr);
    assert.match(
      own.stdout.split('\n')[0]!,
      /^Checked with this CLI's own settings \(its environment\), not the running relay's/,
    );
    assert.match(own.stdout, /^\[ok {2}\] customer e-mail: SMTP_URL is set/m);
    const ownJson = JSON.parse((await runCliProcess(system, ['doctor', '--json'], shell)).stdout) as Report;
    assert.deepEqual([ownJson.checkedBy, emailCheck(ownJson)], ['cli', 'ok']);

    // A wrong token is a configuration error (exit 2), said plainly; the token is never printed.
    const refused = await runCliProcess(system, ['doctor', '--server', system.baseUrl], {
      ADMIN_TOKEN: 'a-wrong-admin-token-123',
    });
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /refused ADMIN_TOKEN/);
    assert.ok(!(refused.stdout + refused.stderr + asked.stdout + own.stdout).includes(ADMIN_TOKEN));
  });

  void it('503 "not configured" on every route while ADMIN_TOKEN is unset, whatever the token', async () => {
    await system.restartRelay({ ADMIN_TOKEN: '' });
    for (const [method, path, body] of ROUTES) {
      for (const authorization of [`Bearer ${ADMIN_TOKEN}`, null, 'Bearer ']) {
        const r = await call(method, path, body, authorization);
        assert.equal(r.status, 503, `${method} ${path}: ${r.text}`);
        assert.match(String(r.body.error), /not configured/);
      }
    }
    // The rest of the server is up.
    assert.equal((await fetch(`${system.baseUrl}/healthz`)).status, 200);
  });
});
