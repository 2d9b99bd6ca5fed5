// OpenTelemetry tracing (issue 16.2): with OTEL_EXPORTER_OTLP_ENDPOINT set, one signed webhook order
// makes ONE trace — the webhook's server span, the Temporal client's start, the workflow run, its
// activities (local ones too) and the HTTP call to Hublify's order_create — received by a real OTLP/HTTP
// receiver on loopback. Nothing secret or personal is exported (issue 24.2, 24.3): not a configured
// secret, not the support webhook's path (Slack's token), not a name or address that a Hublify refusal
// quotes (the activity interceptor records errors as thrown): the last test searches every span sent.
// Without an endpoint nothing starts.
// The "off" case runs first: tracing, once started, belongs to the whole test process. The entry point's
// wiring (start first, flush on SIGTERM) is checked on `src/main.ts` as its own process.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { tokenStoreFrom } from '../src/apicbase/from-config';
import { orderWorkflowId } from '../src/apicbase/order';
import { generateCodecKeyLine } from '../src/codec';
import { WITHHELD_ERROR_TEXT } from '../src/observability/span-scrubbing';
import { activeTracing, startTracing, tracingWanted, type Tracing } from '../src/observability/tracing';
import { bundleOrderWorkflows } from '../src/worker/order-worker';
import { tracedBundlePath } from '../src/worker/workflow-bundle';
import { startApicbaseTestSystem, type ApicbaseTestSystem } from './helpers/apicbase';
import { startNotifySink, type NotifySink } from './helpers/notify-sink';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver';
import { stageIs, waitForStatus } from './helpers/orders';
import { startRelayProcess } from './helpers/relay-process';
import { startTestTemporal } from './helpers/temporal';
import { sampleOrder } from './helpers/sample-order';
import {
  TEST_CHANNEL_TOKEN,
  TEST_HUBLIFY_PUSH_TOKEN,
  TEST_WEBHOOK_SECRET,
  startTestSystem,
  type TestSystem,
} from './helpers/system';
import { deliverOrder } from './helpers/webhook';

const ADMIN_TOKEN = 'test-admin-token-for-tracing-7c2e';
const SERVER = 2;
const CLIENT = 3;
const STATUS_ERROR = 2;
/** Personal data a Hublify refusal may quote (issue 24.3). */
const QUOTED_PERSON = ['Jürgen Bäcker', 'Müllerstraße 12a', '80331 München'];

const names = (spans: ReceivedSpan[]) => [...new Set(spans.map((s) => s.name))].join(', ');

interface CustomerEntry {
  name: string;
  invoice: { firstname?: string; lastname?: string; street: string };
  contact?: { email?: string; telephone?: string };
}

/** A customer location of the directory the relay runs with (personal data that must stay out of spans). */
function customerEntry(file: string, customerNumber: string): CustomerEntry {
  const entry = (JSON.parse(readFileSync(file, 'utf8')) as { customers: Record<string, CustomerEntry> }).customers[
    customerNumber
  ];
  assert.ok(entry, `${customerNumber} in ${file}`);
  return entry;
}

/** Sends one order and waits until Hublify holds it (order_create answered). */
async function sendOrder(system: TestSystem) {
  const order = sampleOrder();
  const delivery = await deliverOrder(system.baseUrl, order);
  assert.equal(delivery.status, 200, JSON.stringify(delivery.body));
  const handle = system.relay.client.workflow.getHandle(orderWorkflowId(order.id));
  const status = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
  return { order, status };
}

void describe('tracing off (no OTLP endpoint)', () => {
  let receiver: OtlpReceiver;
  let system: TestSystem;
  let closed = false;

  before(async () => {
    receiver = await startOtlpReceiver();
    // The receiver listens, but nothing names it: tracing must stay off.
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    system = await startTestSystem();
  });

  after(async () => {
    if (!closed) await system?.close();
    await receiver?.close();
  });

  void it('starts no SDK, adds no interceptor, and sends nothing while an order goes through', async () => {
    assert.equal(tracingWanted({}), false);
    assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: 'true' }), false);
    assert.equal(startTracing(), undefined);
    assert.equal(activeTracing(), undefined);
    // No tracer provider is registered: the API's global tracer records nothing.
    assert.equal(trace.getTracer('probe').startSpan('probe').isRecording(), false);
    assert.deepEqual(system.relay.client.options.interceptors.workflow ?? [], [], 'no client interceptor');
    const worker = system.relay.worker!;
    assert.equal(worker.options.interceptors.workflowModules.length, 0, 'no workflow interceptor module');
    assert.ok(!('exporter' in (worker.options.sinks ?? {})), 'no span sink');
    const { status } = await sendOrder(system);
    assert.ok(status.hublify?.orderId);
    // Closing flushes whatever a tracer would have buffered: still nothing.
    closed = true;
    await system.close();
    assert.equal(receiver.requests, 0);
  });
});

void describe('tracing on (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  let receiver: OtlpReceiver;
  let t: ApicbaseTestSystem;
  let tracing: Tracing | undefined;
  let tracedBundle: WorkflowBundleWithSourceMap;
  /** Support notices go to a Slack-like webhook whose path is its secret. */
  let notices: NotifySink;
  /** Personal data of the orders sent, searched for in every exported span by the last test. */
  const personal: string[] = [...QUOTED_PERSON];

  before(async () => {
    receiver = await startOtlpReceiver();
    notices = await startNotifySink();
    // The standard variables, as an operator sets them.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_SERVICE_NAME = 'order-relay-test';
    process.env.OTEL_BSP_SCHEDULE_DELAY = '200';
    tracing = startTracing();
    tracedBundle = await bundleOrderWorkflows({ tracing: true });
    // Orders come from the Apicbase sandbox's signed webhook, and each is marked viewed in Apicbase
    // (an Apicbase API call inside the order's trace).
    t = await startApicbaseTestSystem(
      { ADMIN_TOKEN, APICBASE_MODE: 'webhook', APICBASE_MARK_VIEWED: 'true', NOTIFY_WEBHOOK_URL: notices.url },
      { workflowBundle: tracedBundle },
    );
  });

  after(async () => {
    await t?.close();
    await tracing?.shutdown();
    await receiver?.close();
    await notices?.close();
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  });

  void it('the traced bundle file sits beside the plain one', () => {
    assert.equal(tracedBundlePath('/app/dist/workflow-bundle.js'), '/app/dist/workflow-bundle.traced.js');
  });

  void it('orders that ran untraced replay on the traced workflow code: tracing can be switched on under running orders', async () => {
    const dir = path.join(__dirname, 'histories');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 5);
    for (const file of files) {
      const history: unknown = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      await Worker.runReplayHistory(
        { workflowBundle: tracedBundle, replayName: file, ...tracing!.workerOptions },
        history,
      );
    }
  });

  void it('one trace runs from the webhook request through the workflow and its activities to order_create and Apicbase', async () => {
    assert.ok(tracing && activeTracing() === tracing);
    const system = t.system;
    const placed = await t.apicbase.placeOrder({ delivery: 'webhook' });
    assert.equal(placed.webhook?.status, 200, JSON.stringify(placed.webhook));
    const order = placed.order;
    const workflowId = orderWorkflowId(order.id);
    const status = await waitForStatus(
      system.relay.client.workflow.getHandle(workflowId),
      stageIs('WAITING_FOR_SHIPMENT'),
    );
    // Hublify's push with its token in the query string, and an admin call with the bearer token.
    const push = await fetch(`${system.baseUrl}/webhooks/hublify/orders?token=${TEST_HUBLIFY_PUSH_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: { orderid: status.hublify?.orderId, o_orderid_external: order.id } }),
    });
    assert.ok(push.status < 300, `push answered ${push.status}`);
    const admin = await fetch(`${system.baseUrl}/admin/orders/${workflowId}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(admin.status, 200);
    // The workflow's span is exported when its run ends: ship the order, so the run completes.
    system.sandbox.ship(order.order_number);
    await waitForStatus(system.relay.client.workflow.getHandle(workflowId), stageIs('SHIPPED'));

    const byId = (spans: ReceivedSpan[]) => new Map(spans.map((s) => [s.spanId, s]));
    const chainOf = (span: ReceivedSpan, spans: Map<string, ReceivedSpan>) => {
      const chain = [span];
      for (let s = spans.get(span.parentSpanId); s; s = spans.get(s.parentSpanId)) chain.push(s);
      return chain;
    };
    // Wait (on each export) for the order_create client span, then for its whole chain up to the webhook's server span.
    const { tree, createCall } = await receiver.waitFor((spans) => {
      const createCall = spans.find(
        (s) =>
          s.kind === CLIENT && String(s.attributes['url.full'] ?? s.attributes['http.url']).endsWith('/order_create'),
      );
      if (!createCall) return undefined;
      const tree = spans.filter((s) => s.traceId === createCall.traceId);
      const root = chainOf(createCall, byId(tree)).at(-1)!;
      if (root.name !== 'POST /webhooks/apicbase/orders') return undefined;
      const names = tree.map((s) => s.name);
      const wanted = [
        'RunWorkflow:orderWorkflow',
        'RunActivity:injectOrder',
        'StartActivity:checkOrderRecordingVerified',
        'RunActivity:checkOrderRecordingVerified',
        'RunActivity:recordStage',
        'RunActivity:markApicbaseOrder',
      ];
      return wanted.every((n) => names.includes(n)) ? { tree, createCall } : undefined;
    });

    const spans = byId(tree);
    const one = (name: string) => {
      const found = tree.filter((s) => s.name === name);
      assert.ok(found.length >= 1, `${name} in the trace; have ${names(tree)}`);
      return found[0]!;
    };
    const parentOf = (s: ReceivedSpan) => spans.get(s.parentSpanId)?.name;

    // The webhook's server span is the root of the trace.
    const webhook = one('POST /webhooks/apicbase/orders');
    assert.equal(webhook.kind, SERVER);
    assert.equal(webhook.parentSpanId, '');
    assert.equal(webhook.attributes['http.route'], '/webhooks/apicbase/orders');
    assert.equal(webhook.service, 'order-relay-test', 'OTEL_SERVICE_NAME is honoured');
    // The client's start (update-with-start in the verified ack mode, a plain start otherwise) under it…
    const start = tree.find((s) => /^(UpdateWithStartWorkflow|StartWorkflow):/.test(s.name));
    assert.ok(start, `a start span; have ${names(tree)}`);
    assert.equal(parentOf(start), webhook.name);
    // …the workflow run under the start, its activities under the run…
    const run = one('RunWorkflow:orderWorkflow');
    assert.equal(run.parentSpanId, start.spanId);
    const injectStart = one('StartActivity:injectOrder');
    assert.equal(injectStart.parentSpanId, run.spanId);
    const inject = one('RunActivity:injectOrder');
    assert.equal(inject.parentSpanId, injectStart.spanId);
    // …local activities too (verify and map as one, each stage recorded)…
    const checkStart = one('StartActivity:checkOrderRecordingVerified');
    assert.equal(checkStart.parentSpanId, run.spanId);
    assert.equal(one('RunActivity:checkOrderRecordingVerified').parentSpanId, checkStart.spanId);
    const recordStart = tree.find((s) => s.name === 'RunActivity:recordStage');
    assert.equal(parentOf(spans.get(recordStart!.parentSpanId)!), run.name);
    // …and the HTTP call to Hublify's order_create under the activity that made it.
    assert.equal(createCall.parentSpanId, inject.spanId);
    assert.equal(createCall.attributes['http.request.method'] ?? createCall.attributes['http.method'], 'POST');
    assert.equal(createCall.attributes['url.full'], `${system.sandbox.url}/api/channel_10/order_create`);
    // The sandbox's own server span (trace context went to Hublify in `traceparent`).
    assert.ok(
      tree.some((s) => s.kind === SERVER && s.parentSpanId === createCall.spanId),
      'the receiving server continues the trace',
    );
    // The Apicbase call of the same order: the viewed mark's PATCH, on the Apicbase worker.
    const mark = one('RunActivity:markApicbaseOrder');
    assert.equal(parentOf(spans.get(mark.parentSpanId)!), run.name);
    const patch = tree.find((s) => s.kind === CLIENT && s.parentSpanId === mark.spanId);
    assert.ok(patch, 'an HTTP client span under markApicbaseOrder');
    assert.equal(patch.attributes['http.request.method'], 'PATCH');
    assert.ok(
      String(patch.attributes['url.full']).startsWith(`${t.apicbase.url}/`),
      String(patch.attributes['url.full']),
    );

    // The push and the admin call were traced too (their own traces); wait for them before searching.
    await receiver.waitFor((all) =>
      all.some((s) => s.name === 'POST /webhooks/hublify/orders') &&
      all.some((s) => s.name === 'GET /admin/orders/:ref')
        ? true
        : undefined,
    );
    const customer = customerEntry(system.config.CUSTOMER_DIRECTORY_FILE, order.supplier_customer_number);
    personal.push(
      ...[
        order.owned_by?.username,
        customer.name,
        customer.invoice.firstname,
        customer.invoice.lastname,
        customer.invoice.street,
        customer.contact?.email,
        customer.contact?.telephone,
      ].filter((v): v is string => !!v && v.length > 3),
    );
  });

  void it('a Hublify refusal quoting a name and address, and the support notice it causes: spans carry the error type, not its text, and the notice host, not its path', async () => {
    const system = t.system;
    system.sandbox.injectFault({
      kind: 'refuse',
      verbs: ['order_create'],
      text: `Lieferung an ${QUOTED_PERSON.join(', ')} nicht möglich`,
    });
    const placed = await t.apicbase.placeOrder({ delivery: 'webhook' });
    assert.equal(placed.webhook?.status, 200, JSON.stringify(placed.webhook));
    const workflowId = orderWorkflowId(placed.order.id);
    const stuck = await waitForStatus(system.relay.client.workflow.getHandle(workflowId), stageIs('NEEDS_ATTENTION'));
    assert.ok(
      QUOTED_PERSON.every((p) => stuck.lastError?.includes(p)),
      'the refusal carries the quoted person (in the encrypted status)',
    );
    const [notice] = await notices.waitFor(1);
    assert.equal(notice!.path, new URL(notices.url).pathname, 'the notice went to the secret path');

    const { refused, noticeCall } = await receiver.waitFor((spans) => {
      const refused = spans.find(
        (s) =>
          s.name === 'RunActivity:injectOrder' &&
          s.attributes.temporalWorkflowId === workflowId &&
          s.status.code === STATUS_ERROR,
      );
      const notify = spans.find(
        (s) => s.name === 'RunActivity:notifySupport' && s.attributes.temporalWorkflowId === workflowId,
      );
      const noticeCall = notify && spans.find((s) => s.kind === CLIENT && s.parentSpanId === notify.spanId);
      return refused && noticeCall ? { refused, noticeCall } : undefined;
    });
    // The refusal's span says an error happened and of which type, with its stack frames; its text is withheld.
    assert.equal(refused.status.message, WITHHELD_ERROR_TEXT);
    const exception = refused.events.find((e) => e.name === 'exception');
    assert.ok(exception, 'the exception event is kept');
    assert.equal(exception.attributes['exception.type'], 'ApplicationFailure');
    assert.equal(exception.attributes['exception.message'], WITHHELD_ERROR_TEXT);
    assert.match(String(exception.attributes['exception.stacktrace']), /^ {4}at /, 'stack frames, no message line');
    // The notice's HTTP call names the host it called, never the webhook's path (Slack's token).
    const sinkUrl = new URL(notices.url);
    assert.equal(noticeCall.attributes['url.full'], `${sinkUrl.origin}/[withheld]`);
    assert.equal(noticeCall.attributes['url.path'], '/[withheld]');
  });

  void it('no exported span, of any order, request or activity, carries a secret or personal data', async () => {
    const system = t.system;
    assert.ok(receiver.spans.length > 20, `a run was traced: ${receiver.spans.length} spans`);
    await tracing!.shutdown();
    const exported = receiver.bodies.join('\n');
    const tokens = tokenStoreFrom(system.config).read();
    assert.ok(tokens?.accessToken && tokens.refreshToken);
    const secrets = {
      TEST_CHANNEL_TOKEN,
      TEST_WEBHOOK_SECRET,
      TEST_HUBLIFY_PUSH_TOKEN,
      ADMIN_TOKEN,
      CODEC_KEYS: system.config.CODEC_KEYS!,
      APICBASE_CLIENT_SECRET: system.config.APICBASE_CLIENT_SECRET!,
      APICBASE_TOKEN_KEY: system.config.APICBASE_TOKEN_KEY!,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      "the notify URL's path": new URL(notices.url).pathname,
      "the notify URL's token": new URL(notices.url).pathname.split('/').at(-1)!,
    };
    for (const [name, secret] of Object.entries(secrets))
      assert.ok(!exported.includes(secret), `${name} is in an exported span`);
    for (const key of system.config.CODEC_KEYS!.split(',').map((k) => k.split(':')[1]!))
      assert.ok(!exported.includes(key), 'a codec key is in an exported span');
    // Personal data: the orderers and the customer's name, address and contact, and what Hublify quoted.
    for (const value of personal) assert.ok(!exported.includes(value), `"${value}" is in an exported span`);
    assert.ok(!/[?&]token=/.test(exported), 'a query string token is in an exported span');
  });
});

void describe('the entry point (src/main.ts) with an OTLP endpoint', () => {
  void it('traces its webhook requests and exports the spans it still holds when stopped with SIGTERM', async () => {
    const receiver = await startOtlpReceiver();
    const temporal = await startTestTemporal();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'order-relay-tracing-'));
    try {
      const api = await startRelayProcess({
        role: 'api',
        name: 'traced-api',
        env: {
          LOG_LEVEL: 'warn',
          DATA_DIR: dataDir,
          TEMPORAL_ADDRESS: temporal.address,
          // The API role calls no Hublify; a URL keeps `npm start`'s embedded sandboxes off.
          HUBLIFY_URL: 'http://127.0.0.1:9',
          HUBLIFY_CHANNEL_TOKEN: TEST_CHANNEL_TOKEN,
          APICBASE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
          CODEC_KEYS: generateCodecKeyLine(),
          WEBHOOK_ACK_MODE: 'accepted',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_SERVICE_NAME: 'order-relay-api',
          // Batches wait an hour: whatever arrives was flushed by the shutdown.
          OTEL_BSP_SCHEDULE_DELAY: '3600000',
        },
      });
      const order = sampleOrder();
      const delivery = await deliverOrder(api.baseUrl!, order);
      assert.equal(delivery.status, 200, JSON.stringify(delivery.body));
      assert.equal(receiver.requests, 0, 'nothing exported before the batch is due');
      const exit = await api.stop();
      assert.equal(exit.code, 0, api.output());
      const webhook = receiver.spans.find((s) => s.name === 'POST /webhooks/apicbase/orders');
      assert.ok(webhook, `the webhook's span was flushed; got ${names(receiver.spans)}`);
      assert.equal(webhook.service, 'order-relay-api');
      const start = receiver.spans.find(
        (s) => s.parentSpanId === webhook.spanId && /^(StartWorkflow|UpdateWithStartWorkflow):/.test(s.name),
      );
      assert.ok(start, `the Temporal client's start under it; got ${names(receiver.spans)}`);
      assert.equal(start.attributes.temporalWorkflowId, orderWorkflowId(order.id));
    } finally {
      await temporal.teardown();
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
