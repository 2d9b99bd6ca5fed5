// The notifySupport activity against a real HTTP sink on loopback: what it sends (Slack text or JSON
// event), what it never sends (names, addresses, Hublify texts, the hook URL in errors), and that a
// failing sink makes it throw, so Temporal retries it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createNotifySupportActivities, type SupportNotifySettings } from '../activities/notify-support';
import { loadConfig } from '../src/config';
import { supportNotifySettings } from '../src/notify/settings';
import type { SupportNotice } from '../workflows/order-status';
import { applicationFailureOf } from './helpers/application-failure';
import { startNotifySink, type NotifySink } from './helpers/notify-sink';

const notice: SupportNotice = {
  workflowId: 'apicbase-order-1001',
  orderNumber: 'PO-1001',
  customerNumber: 'CUST-001',
  stage: 'NEEDS_ATTENTION',
  failureType: 'HublifyRejected',
};

let sink: NotifySink;
before(async () => {
  sink = await startNotifySink();
});
after(() => sink.close());

function settings(overrides: Partial<SupportNotifySettings> = {}): SupportNotifySettings {
  return {
    webhookUrl: sink.url,
    format: 'slack',
    webUiBaseUrl: 'http://ui.example:8233/',
    namespace: 'default',
    timeoutMs: 5_000,
    ...overrides,
  };
}

void describe('notifySupport', () => {
  void test('posts one Slack-compatible text with order, customer, stage, failure type and the Web UI link', async () => {
    const before = sink.received.length;
    sink.status = 200;
    await createNotifySupportActivities({ notify: settings() }).notifySupport(notice);
    assert.equal(sink.received.length, before + 1);
    const got = sink.received.at(-1)!;
    assert.equal(got.path, '/services/T000/B000/secret-hook-token');
    assert.match(String(got.headers['content-type']), /application\/json/);
    assert.deepEqual(Object.keys(got.body as object), ['text']);
    const text = (got.body as { text: string }).text;
    for (const part of [
      'PO-1001',
      'CUST-001',
      'NEEDS_ATTENTION',
      'HublifyRejected',
      'http://ui.example:8233/namespaces/default/workflows/apicbase-order-1001',
    ]) {
      assert.ok(text.includes(part), `${part} in ${text}`);
    }
  });

  void test('NOTIFY_FORMAT=json posts a plain JSON event with the same facts', async () => {
    const before = sink.received.length;
    await createNotifySupportActivities({ notify: settings({ format: 'json' }) }).notifySupport({
      ...notice,
      stage: 'REJECTED',
      failureType: 'OrderRejected',
      rejectedAfterAck: true,
    });
    assert.equal(sink.received.length, before + 1);
    assert.deepEqual(sink.received.at(-1)!.body, {
      event: 'order.support_notice',
      workflowId: 'apicbase-order-1001',
      orderNumber: 'PO-1001',
      customerNumber: 'CUST-001',
      stage: 'REJECTED',
      failureType: 'OrderRejected',
      rejectedAfterAck: true,
      webUi: 'http://ui.example:8233/namespaces/default/workflows/apicbase-order-1001',
    });
  });

  void test('order fields cannot forge Slack markup: &, < and > are escaped in the text; the JSON event keeps them as plain data (issue 24.4)', async () => {
    const forged = {
      ...notice,
      orderNumber: '<!channel> <https://evil.example/login|Reset your Hublify password>',
      customerNumber: 'A&B <@U123>',
    };
    const before = sink.received.length;
    await createNotifySupportActivities({ notify: settings() }).notifySupport(forged);
    await createNotifySupportActivities({ notify: settings({ webUiBaseUrl: undefined }) }).notifySupport(forged);
    await createNotifySupportActivities({ notify: settings({ format: 'json' }) }).notifySupport(forged);
    assert.equal(sink.received.length, before + 3);
    const [linked, unlinked, json] = sink.received.slice(before).map((r) => r.body as Record<string, unknown>);
    for (const body of [linked, unlinked]) {
      const text = String(body!.text);
      assert.ok(text.includes('&lt;!channel&gt; &lt;https://evil.example/login|Reset your Hublify password&gt;'), text);
      assert.ok(text.includes('customer A&amp;B &lt;@U123&gt;'), text);
      assert.ok(!text.includes('<!channel>') && !text.includes('<https://evil') && !text.includes('<@U123>'), text);
    }
    // The only markup left is the relay's own link (and none without a Web UI).
    assert.deepEqual(String(linked!.text).match(/<[^>]*>/g), [
      '<http://ui.example:8233/namespaces/default/workflows/apicbase-order-1001|open in Temporal>',
    ]);
    assert.ok(!String(unlinked!.text).includes('<'), String(unlinked!.text));
    assert.equal(json!.orderNumber, forged.orderNumber, 'JSON fields are plain data, not markup');
    assert.equal(json!.customerNumber, forged.customerNumber);
  });

  void test('from the configuration: NOTIFY_* variables, and the dev Web UI link when no cluster is set', async () => {
    const config = loadConfig({ NOTIFY_WEBHOOK_URL: sink.url, NOTIFY_FORMAT: 'json' });
    const before = sink.received.length;
    await createNotifySupportActivities({ notify: supportNotifySettings(config) }).notifySupport(notice);
    assert.equal(sink.received.length, before + 1);
    assert.equal(
      (sink.received.at(-1)!.body as { webUi: string }).webUi,
      'http://127.0.0.1:8233/namespaces/default/workflows/apicbase-order-1001',
    );
    assert.throws(() => loadConfig({ NOTIFY_FORMAT: 'teams' }), /NOTIFY_FORMAT/);
  });

  void test('not configured: returns without sending anything', async () => {
    const before = sink.received.length;
    const { notifySupport } = createNotifySupportActivities({ notify: settings({ webhookUrl: undefined }) });
    await notifySupport(notice);
    await notifySupport(notice);
    await createNotifySupportActivities({}).notifySupport(notice);
    assert.equal(sink.received.length, before);
  });

  void test('a 5xx or 429 from the sink throws a retryable failure; a 404 a non-retryable one', async () => {
    const { notifySupport } = createNotifySupportActivities({ notify: settings() });
    const before = sink.received.length;
    try {
      sink.status = 503;
      const unavailable = await applicationFailureOf(notifySupport(notice));
      assert.equal(unavailable.type, 'NotifyUnavailable');
      assert.equal(unavailable.nonRetryable, false);
      sink.status = 429;
      assert.equal((await applicationFailureOf(notifySupport(notice))).nonRetryable, false);
      sink.status = 404;
      const refused = await applicationFailureOf(notifySupport(notice));
      assert.equal(refused.type, 'NotifyRefused');
      assert.equal(refused.nonRetryable, true);
      assert.ok(!refused.message.includes('secret-hook-token'), refused.message);
    } finally {
      sink.status = 200;
    }
    assert.equal(sink.received.length, before + 3);
  });

  void test('an unreachable sink throws a retryable failure that does not name the URL', async () => {
    const closed = await startNotifySink();
    await closed.close();
    const failure = await applicationFailureOf(
      createNotifySupportActivities({ notify: settings({ webhookUrl: closed.url }) }).notifySupport(notice),
    );
    assert.equal(failure.nonRetryable, false);
    assert.ok(!failure.message.includes('secret-hook-token') && !failure.message.includes(closed.url), failure.message);
  });
});
