// A full run, faults included, leaves no secret and no customer PII in any log line or in the order
// record store's SQLite file (issue 12.4), nor support's free-text notes and cancel reason (issue 24.9). Real Temporal dev server, the Hublify sandbox over HTTP
// with its faults, the real SQLite store; every log line of the process (relay, Temporal SDK, sandbox)
// is kept at debug level and searched.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { orderWorkflowId } from '../src/apicbase/order';
import { loadCustomerDirectory } from '../src/customers/directory';
import { signApicbasePayload } from '../src/ingress/apicbase-signature';
import { LogSink, eventually, postRaw } from './helpers/ingress';
import { stageIs, waitForStatus } from './helpers/orders';
import { orderWithUnknownArticle, sampleOrder } from './helpers/sample-order';
import {
  TEST_CHANNEL_TOKEN,
  TEST_HUBLIFY_PUSH_TOKEN,
  TEST_WEBHOOK_SECRET,
  startTestSystem,
  type TestSystem,
} from './helpers/system';
import { deliverOrder } from './helpers/webhook';

const ADMIN_TOKEN = 'admin-token-never-logged-0123456789';
const CODEC_TOKEN = 'codec-token-never-logged-0123456789';
const PUSH_PATH = '/webhooks/hublify/orders';
/** The corrected delivery address support sends with an amendment: PII that must stay out too. */
const AMENDED_ADDRESS = {
  deliver_firstname: 'Ottilie',
  deliver_lastname: 'Verschwiegen',
  deliver_street: 'Geheimgasse',
  deliver_housenr: '7',
  deliver_zip: '10115',
  deliver_town: 'Berlin',
};
/** Support's free text may name whom it spoke to (issue 24.9): kept in the encrypted status only. */
const SUPPORT_NOTES = {
  amend: 'article replaced after a call with Frau Notburga Anrufhuber',
  retry: 'address checked by phone: 0170 5550123',
  cancel: 'customer cancelled on the phone, Herr Storno Absagemann',
};

void describe('no secret or customer PII in logs or the record store (full run, Hublify faults included)', () => {
  let system: TestSystem;
  const logs = new LogSink();

  before(async () => {
    system = await startTestSystem(
      { ADMIN_TOKEN, CODEC_AUTH_TOKEN: CODEC_TOKEN, TRACK_POLL_SCHEDULE: '1h', INJECT_RETRY_FOR_MS: '15000' },
      { logDestination: logs, logLevel: 'debug' },
    );
  });
  after(async () => {
    await system?.close();
  });

  const admin = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${system.baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  };

  void it('secrets, names, streets and e-mail addresses appear in no log line and nowhere in orders.sqlite', async () => {
    const { sandbox, baseUrl } = system;
    const handleOf = (id: string) => system.relay.client.workflow.getHandle(orderWorkflowId(id));
    const customer = loadCustomerDirectory(system.config.CUSTOMER_DIRECTORY_FILE).customers['CUST-001']!;

    // 1. An order that ships; Hublify's push carries its token in the query string.
    const shipped = sampleOrder();
    assert.equal((await deliverOrder(baseUrl, shipped)).status, 200);
    const waiting = await waitForStatus(handleOf(shipped.id), stageIs('WAITING_FOR_SHIPMENT'));
    const data = sandbox.ship(waiting.hublify!.orderId);
    const push = await postRaw(
      baseUrl,
      `${PUSH_PATH}?token=${TEST_HUBLIFY_PUSH_TOKEN}`,
      JSON.stringify({ status: true, data }),
      { 'content-type': 'application/json' },
    );
    assert.equal(push.status, 202, push.text);
    await waitForStatus(handleOf(shipped.id), stageIs('SHIPPED'));

    // 2. Hublify faults on order_create (500, a non-JSON answer, a dropped connection), then it gets through.
    for (const kind of ['http500', 'not-json', 'drop'] as const) sandbox.injectFault({ kind, verbs: ['order_create'] });
    const retried = sampleOrder();
    const retriedAnswer = await deliverOrder(baseUrl, retried);
    assert.ok([200, 202].includes(retriedAnswer.status), JSON.stringify(retriedAnswer.body));
    await waitForStatus(handleOf(retried.id), stageIs('WAITING_FOR_SHIPMENT'));

    // 3. Hublify refuses an order (unknown article): NEEDS_ATTENTION with Hublify's text. Support amends
    // it with a corrected delivery address and items (re-injected), then once more (order_update).
    const amended = orderWithUnknownArticle();
    await deliverOrder(baseUrl, amended);
    await waitForStatus(handleOf(amended.id), stageIs('NEEDS_ATTENTION'));
    const reinjected = await admin('POST', `/admin/orders/${amended.id}/amend`, {
      order: AMENDED_ADDRESS,
      orderitems: [{ oi_pcode: 'EK00001', oi_quantity: 3 }],
      note: SUPPORT_NOTES.amend,
    });
    assert.equal(reinjected.status, 200, reinjected.text);
    await waitForStatus(handleOf(amended.id), stageIs('WAITING_FOR_SHIPMENT'));
    const updated = await admin('POST', `/admin/orders/${amended.id}/amend`, {
      order: { deliver_street: `${AMENDED_ADDRESS.deliver_street}nweg` },
    });
    assert.equal(updated.status, 200, updated.text);
    assert.match(updated.text, /"outcome":"updated"/);

    // 4. Hublify refuses an order with a text that quotes the customer's name and address (a real
    // Hublify may); support retries it and it gets through.
    const invoice = customer.invoice;
    sandbox.injectFault({
      kind: 'refuse',
      verbs: ['order_create'],
      text: `Address of ${invoice.firstname} ${invoice.lastname}, ${invoice.street} ${invoice.housenr}, ${invoice.zip} ${invoice.town} could not be validated (${customer.contact?.email}).`,
    });
    const quoted = sampleOrder();
    await deliverOrder(baseUrl, quoted);
    const stuck = await waitForStatus(handleOf(quoted.id), stageIs('NEEDS_ATTENTION'));
    assert.match(stuck.lastError ?? '', /could not be validated/, 'the refusal came from the fault');
    assert.equal((await admin('POST', `/admin/orders/${quoted.id}/retry`, { note: SUPPORT_NOTES.retry })).status, 202);
    await waitForStatus(handleOf(quoted.id), stageIs('WAITING_FOR_SHIPMENT'));
    // Support stops tracking an order Hublify holds, giving a reason that names the caller.
    const stopped = await admin('POST', `/admin/orders/${retried.id}/cancel`, {
      reason: SUPPORT_NOTES.cancel,
      stopTracking: true,
    });
    assert.equal(stopped.status, 200, stopped.text);
    // Support's texts are kept where support reads them: the order's encrypted status.
    const kept = [
      await waitForStatus(handleOf(amended.id), () => true),
      await waitForStatus(handleOf(quoted.id), () => true),
      await waitForStatus(handleOf(retried.id), stageIs('CANCELLED')),
    ];
    for (const note of Object.values(SUPPORT_NOTES))
      assert.ok(
        kept.some((s) => s.history.some((h) => h.detail?.includes(note))),
        `"${note}" in an order's status history`,
      );

    // 5. Hublify unreachable for longer than INJECT_RETRY_FOR_MS: NEEDS_ATTENTION after retries.
    sandbox.injectFault({ kind: 'http500', forMs: 600_000, verbs: ['order_create'] });
    const outage = sampleOrder();
    await deliverOrder(baseUrl, outage);
    await waitForStatus(handleOf(outage.id), stageIs('NEEDS_ATTENTION'));
    sandbox.clearFaults();

    // 6. Hostile requests: a wrong signature, wrong push tokens (header and query), the admin and codec tokens.
    const raw = JSON.stringify(sampleOrder());
    assert.equal(
      (
        await postRaw(baseUrl, '/webhooks/apicbase/orders', raw, {
          'x-apic-webhook-signature': signApicbasePayload('wrong', raw),
        })
      ).status,
      403,
    );
    assert.equal(
      (
        await postRaw(baseUrl, `${PUSH_PATH}?token=${TEST_HUBLIFY_PUSH_TOKEN}x`, '{}', {
          'content-type': 'application/json',
        })
      ).status,
      401,
    );
    assert.equal(
      (
        await postRaw(baseUrl, PUSH_PATH, '{}', {
          'content-type': 'application/json',
          'x-hublify-webhook-token': `${TEST_HUBLIFY_PUSH_TOKEN}x`,
        })
      ).status,
      401,
    );
    assert.equal((await admin('GET', '/admin/orders?limit=5')).status, 200);
    assert.equal((await admin('GET', `/admin/orders/${amended.id}`)).status, 200);
    const codec = await fetch(`${baseUrl}/codec/encode`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CODEC_TOKEN}`, 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify({ payloads: [] }),
    });
    assert.equal(codec.status, 200, await codec.text());

    // The record store has every order by now.
    await eventually(() => {
      const store = storeBytes(system.dataDir);
      assert.ok(store.includes(Buffer.from(outage.order_number)), 'the store holds the last order');
    });
    await sandbox.webhooksSettled();

    // The search below would pass on an empty log: first make sure the run was logged, orders by number.
    for (const order of [shipped, retried, amended, quoted, outage]) {
      assert.ok(
        logs.lines.some((l) => l.includes(order.order_number)),
        `a log line names ${order.order_number}`,
      );
    }
    assert.ok(
      logs.lines.some((l) => l.includes(PUSH_PATH)),
      'the push requests were logged',
    );
    assert.ok(
      logs.lines.some((l) => l.includes('NEEDS_ATTENTION')),
      'the refusals were logged',
    );

    const secrets: Record<string, string> = {
      'webhook secret': TEST_WEBHOOK_SECRET,
      'channel token': TEST_CHANNEL_TOKEN,
      'push token': TEST_HUBLIFY_PUSH_TOKEN,
      'admin token': ADMIN_TOKEN,
      'codec token': CODEC_TOKEN,
    };
    for (const [i, entry] of (system.config.CODEC_KEYS ?? '').split(/[,\n]/).entries()) {
      const key = entry.slice(entry.indexOf(':') + 1).trim();
      secrets[`codec key ${i}`] = key;
      secrets[`codec key ${i} (hex)`] = Buffer.from(key, 'base64').toString('hex');
    }
    const pii: Record<string, string> = {
      'customer name': customer.name,
      company: customer.invoice.company ?? customer.name,
      'first name': customer.invoice.firstname ?? '',
      'last name': customer.invoice.lastname ?? '',
      street: customer.invoice.street,
      'e-mail': customer.contact?.email ?? '',
      telephone: customer.contact?.telephone ?? '',
      'amended first name': AMENDED_ADDRESS.deliver_firstname,
      'amended last name': AMENDED_ADDRESS.deliver_lastname,
      'amended street': AMENDED_ADDRESS.deliver_street,
      "support's amend note": SUPPORT_NOTES.amend,
      "support's retry note": SUPPORT_NOTES.retry,
      "support's cancel reason": SUPPORT_NOTES.cancel,
      'a name in a note': 'Anrufhuber',
      'a phone number in a note': '0170 5550123',
    };
    const needles = Object.entries({ ...secrets, ...pii });
    for (const [what, value] of needles) assert.ok(value.length >= 6, `${what} is long enough to search for`);

    const store = storeBytes(system.dataDir);
    // The store keeps what support needs: the failure type and the order number.
    assert.ok(
      store.includes(Buffer.from(quoted.order_number)) && store.includes(Buffer.from('HublifyRejected')),
      'the store records the refusal by type',
    );
    const problems: string[] = [];
    for (const [what, value] of needles) {
      for (const form of spellings(value)) {
        const line = logs.lines.find((l) => l.includes(form));
        if (line) problems.push(`a log line holds the ${what}: ${line.slice(0, 400)}`);
        if (store.includes(Buffer.from(form, 'utf8'))) problems.push(`orders.sqlite holds the ${what}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});

/** A value as written, as JSON escapes it (ü → \u00fc), and URL-encoded. */
function spellings(value: string): Set<string> {
  return new Set([
    value,
    JSON.stringify(value).slice(1, -1),
    value.replace(/[^ -~]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    encodeURIComponent(value),
  ]);
}

/** Every byte of the record store: the database file, its write-ahead log and shared memory. */
function storeBytes(dataDir: string): Buffer {
  const files = readdirSync(dataDir).filter((f) => f.startsWith('orders.sqlite'));
  assert.ok(files.includes('orders.sqlite'), `orders.sqlite in ${dataDir}: ${files.join(', ')}`);
  return Buffer.concat(files.map((f) => readFileSync(path.join(dataDir, f))));
}
