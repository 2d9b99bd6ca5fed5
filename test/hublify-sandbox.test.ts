// The Hublify sandbox over plain HTTP, as any client (curl, another language) would see it: the
// channel API's answers word for word, the control API, faults, the outbound webhook and the CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, beforeEach, describe, it } from 'node:test';
import { exampleOrderCreateRequest } from '../src/hublify/sandbox/example-order';
import { startHublifySandbox, type HublifySandbox } from '../src/hublify/sandbox/server';
import type { SandboxOrder } from '../src/hublify/sandbox/state';
import { parseTranstimeSearch } from '../src/hublify/sandbox/transtime-filter';
import type { HublifyMessage, HublifyOrderCreateRequest, HublifyOrderData } from '../src/hublify/types';
import { pollUntil } from '../src/poll-until';
import { PATIENCE_MS } from './helpers/patience';

/** A channel-API answer as the tests read it (the sandbox's answers are checked field by field). */
interface Envelope<D = HublifyOrderData> {
  status: boolean;
  data: D;
  msg: HublifyMessage[];
}

interface Answer<T> {
  status: number;
  headers: Headers;
  /** The parsed body; undefined when it is not JSON. */
  json: T;
}

async function request<T = Envelope>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'Content-Type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json: json as T };
}

const texts = (answer: Answer<Envelope<unknown>>): string[] => answer.json.msg.map((m) => m.text);

/** The seed's example order with an o_orderid_external of our choice. */
const order = (external: string | null = 'CH00012345'): HublifyOrderCreateRequest => {
  const req = exampleOrderCreateRequest();
  if (external === null) delete req.fields.order.o_orderid_external;
  else req.fields.order.o_orderid_external = external;
  return req;
};

const HUBLIFY_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

void describe('Hublify sandbox: channel API', () => {
  let sandbox: HublifySandbox;
  /** token null: no API-Channel-Token header at all. */
  const api = <D = HublifyOrderData>(verb: string, body: unknown = {}, token: string | null = sandbox.token) =>
    request<Envelope<D>>(`${sandbox.url}/api/${sandbox.channel}/${verb}`, {
      body,
      headers: token === null ? {} : { 'API-Channel-Token': token },
    });

  before(async () => {
    sandbox = await startHublifySandbox({
      products: [
        { pcode: 'EK00001', name: 'Example Product 1' },
        { pcode: 'PC0001', name: 'Example Product 2', externalCodes: ['YourOwnProductCode002'] },
      ],
    });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  void it('binds 127.0.0.1 on a free port', () => {
    assert.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(sandbox.port > 0);
  });

  void it('refuses a missing or wrong API-Channel-Token with 401 and an ERROR', async () => {
    for (const token of [null, 'wrong']) {
      const answer = await api('stats', {}, token);
      assert.equal(answer.status, 401);
      assert.equal(answer.json.status, false);
      assert.equal(answer.json.msg[0]?.type, 'ERROR');
    }
  });

  void it('answers 404 in the envelope for an unknown verb or channel, 400 for a body that is not JSON', async () => {
    const verb = await api('order_delete');
    assert.equal(verb.status, 404);
    assert.deepEqual(verb.json, {
      status: false,
      msg: [{ type: 'ERROR', text: "Unknown api-function 'order_delete'." }],
    });
    const channel = await request(`${sandbox.url}/api/channel_99/stats`, {
      body: {},
      headers: { 'API-Channel-Token': sandbox.token },
    });
    assert.equal(channel.status, 404);
    assert.equal(channel.json.status, false);
    const broken = await api('order_create', '{"fields": ');
    assert.equal(broken.status, 400);
    assert.equal(broken.json.status, false);
  });

  void it('stats answers {"status": true}', async () => {
    assert.deepEqual((await api('stats')).json, { status: true });
  });

  void it("order_create answers the seed's success shape with Hublify-style ids", async () => {
    const first = await api('order_create', order('CH00012345'));
    assert.equal(first.status, 200);
    assert.deepEqual(first.json, {
      status: true,
      data: {
        personid: 'KCHN-00000001',
        orderid: 'ACHN-00000001',
        o_orderid_external: 'CH00012345',
        order_state_code: 'received',
      },
    });
    const withoutExternal = await api('order_create', order(null));
    assert.equal(withoutExternal.json.data.orderid, 'ACHN-00000002');
    assert.equal(withoutExternal.json.data.o_orderid_external, null);
  });

  void it('order_create reuses the person with the same p_personid_external, and creates one otherwise', async () => {
    const a = (await api('order_create', order('A'))).json.data;
    const b = (await api('order_create', order('B'))).json.data;
    const other = order('C');
    delete other.fields.person;
    const c = (await api('order_create', other)).json.data;
    assert.equal(a.personid, b.personid);
    assert.notEqual(c.personid, a.personid);
  });

  void it("order_create names each missing mandatory field in the seed's words", async () => {
    for (const field of [
      'orderitems',
      'invoice_street',
      'invoice_housenr',
      'invoice_zip',
      'invoice_town',
      'invoice_country',
    ] as const) {
      const req = order();
      delete req.fields.order[field];
      assert.deepEqual(
        (await api('order_create', req)).json,
        { status: false, msg: [{ type: 'ERROR', text: `Missing mandatory field '${field}'` }] },
        field,
      );
    }
    const empty = order();
    empty.fields.order.orderitems = [];
    assert.deepEqual(texts(await api('order_create', empty)), ["Missing mandatory field 'orderitems'"]);
    assert.equal(sandbox.orders().length, 0);
  });

  void it('order_create wants a company or a first and last name', async () => {
    const nameless = order('N1');
    nameless.fields.order.invoice_firstname = '';
    delete nameless.fields.order.invoice_lastname;
    assert.deepEqual(texts(await api('order_create', nameless)), [
      "Missing mandatory field 'invoice_firstname'",
      "Missing mandatory field 'invoice_lastname'",
    ]);
    nameless.fields.order.invoice_company = 'Muster GmbH';
    assert.equal((await api('order_create', nameless)).json.status, true);
  });

  void it('order_create wants the station number and Postnummer for a Packstation', async () => {
    const req = order('P1');
    Object.assign(req.fields.order, { deliver_street: 'packstation', deliver_housenr: '123', deliver_addrextra: null });
    assert.deepEqual(texts(await api('order_create', req)), ["Missing mandatory field 'deliver_addrextra'"]);
    req.fields.order.deliver_addrextra = '987654321';
    assert.equal((await api('order_create', req)).json.status, true);
  });

  void it('order_create refuses products the catalogue does not know, and resolves pcode_external', async () => {
    const unknown = order('U1');
    unknown.fields.order.orderitems = [{ oi_pcode: 'NOPE01' }, { pcode_external: 'NOPE02' }];
    const refused = (await api('order_create', unknown)).json;
    assert.equal(refused.status, false);
    assert.deepEqual(
      refused.msg.map((m: { text: string }) => m.text),
      ['Product "NOPE01" not found.', 'Product with external code "NOPE02" not found.'],
    );

    await api('order_create', order('U2'));
    const [stored] = sandbox.orders();
    assert.deepEqual(
      (stored?.order.orderitems as { oi_pcode: string; oi_quantity: number }[]).map((i) => [i.oi_pcode, i.oi_quantity]),
      [
        ['EK00001', 1],
        ['PC0001', 2],
      ],
    );
  });

  void it("order_create answers a second inject of the same o_orderid_external with the seed's WARNING", async () => {
    await api('order_create', order('CH00012345'));
    const again = await api('order_create', order('CH00012345'));
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, {
      status: false,
      data: {
        personid: 'KCHN-00000001',
        orderid: 'ACHN-00000001',
        o_orderid_external: 'CH00012345',
        order_state_code: 'received',
        order_state_name: 'Auftrag eingegangen',
      },
      msg: [{ type: 'WARNING', text: 'Order "CH00012345" was already injected and will be skipped.' }],
    });
    assert.equal(sandbox.orders().length, 1);
  });

  void it("order_update answers the seed's OK and WARNING and applies the allowed fields", async () => {
    await api('order_create', order('CH00012345'));
    const answer = await api('order_update', {
      filter: { orderid: 'ACHN-00000001', o_orderid_external: 'CH00012345' },
      fields: { order: { deliver_street: 'ThirdStreet', deliver_housenr: '3c', not_allowed_field: 'change it' } },
    });
    assert.deepEqual(answer.json, {
      status: true,
      msg: [
        { type: 'OK', text: 'The following order-fields have been updated: deliver_street, deliver_housenr' },
        { type: 'WARNING', text: 'The following order-fields are not available for update: not_allowed_field' },
      ],
    });
    const stored = sandbox.order('CH00012345');
    assert.equal(stored?.order.deliver_street, 'ThirdStreet');
    assert.equal(stored?.order.not_allowed_field, undefined);
    assert.equal(stored?.updates.length, 1);
  });

  void it('order_update changes person fields too, and refuses the order items', async () => {
    await api('order_create', order('CH1'));
    const answer = await api('order_update', {
      filter: { o_orderid_external: 'CH1' },
      fields: { order: { orderitems: [] }, person: { email: 'new@muster.de' } },
    });
    assert.deepEqual(answer.json.msg, [
      { type: 'WARNING', text: 'The following order-fields are not available for update: orderitems' },
      { type: 'OK', text: 'The following person-fields have been updated: email' },
    ]);
    assert.equal(sandbox.order('CH1')?.person.fields.email, 'new@muster.de');
  });

  void it('order_update refuses every change once an order is shipped or cancelled, not in other states', async () => {
    const change = (id: string) =>
      api('order_update', { filter: { o_orderid_external: id }, fields: { order: { o_comment: 'late' } } });
    for (const [id, move] of [
      ['S1', (x: string) => sandbox.ship(x)],
      ['S2', (x: string) => sandbox.ship(x, { partial: true })],
      ['S3', (x: string) => sandbox.setState(x, 'cancelled')],
    ] as const) {
      await api('order_create', order(id));
      move(id);
      assert.deepEqual(
        (await change(id)).json,
        { status: false, msg: [{ type: 'ERROR', text: 'Changes to this order are no longer possible.' }] },
        id,
      );
    }
    await api('order_create', order('S4'));
    sandbox.setState('S4', 'on_hold_custom');
    assert.equal((await change('S4')).json.status, true);
  });

  void it('order_get finds an order by either id; anything else is "Order not found."', async () => {
    await api('order_create', order('CH00012345'));
    const created = order('CH00012345');
    const basic = {
      personid: 'KCHN-00000001',
      orderid: 'ACHN-00000001',
      o_orderid_external: 'CH00012345',
      order_state_code: 'received',
      // The additional data order_get may return: whose order it is and what it holds.
      p_personid_external: created.fields.person?.p_personid_external ?? null,
      // Product codes as resolved (a pcode_external item shows its oi_pcode).
      orderitems: (created.fields.order.orderitems ?? []).map((item) => ({
        oi_pcode: item.oi_pcode ?? 'PC0001',
        oi_quantity: item.oi_quantity ?? 1,
      })),
    };
    assert.deepEqual((await api('order_get', { filter: { orderid: 'ACHN-00000001' } })).json, {
      status: true,
      data: basic,
    });
    assert.deepEqual((await api('order_get', { filter: { o_orderid_external: 'CH00012345' } })).json, {
      status: true,
      data: basic,
    });
    const notFound = { status: false, msg: [{ type: 'ERROR', text: 'Order not found.' }] };
    assert.deepEqual((await api('order_get', { filter: { orderid: 'ACHN-00000009' } })).json, notFound);
    assert.deepEqual(
      (await api('order_get', { filter: { orderid: 'ACHN-00000001', o_orderid_external: 'OTHER' } })).json,
      notFound,
    );
    assert.deepEqual((await api('order_get', { filter: {} })).json, notFound);
  });

  void it("order_get shows the seed's delivery_list once shipped", async () => {
    await api('order_create', order('CH00012345'));
    sandbox.ship('CH00012345');
    const { data } = (await api('order_get', { filter: { o_orderid_external: 'CH00012345' } })).json;
    assert.equal(data.order_state_code, 'shipped');
    assert.equal(data.delivery_list?.length, 1);
    const [shipment = {}] = data.delivery_list ?? [];
    assert.deepEqual(Object.keys(shipment), [
      'shp_c_label',
      'shp_c_name',
      'dv_extcode',
      'drvd_dv_trace_url',
      'dv_time_sent',
      'orderid',
      'personid',
    ]);
    assert.equal(shipment.shp_c_label, 'dhl');
    assert.equal(shipment.shp_c_name, 'Deutsche Post DHL');
    assert.match(shipment.dv_extcode ?? '', /^\d{17}C$/);
    assert.equal(
      shipment.drvd_dv_trace_url,
      `http://nolp.dhl.de/nextt-online-public/set_identcodes.do?lang=de&idc=${shipment.dv_extcode}`,
    );
    assert.match(shipment.dv_time_sent ?? '', HUBLIFY_TIME);
    assert.equal(shipment.orderid, 'ACHN-00000001');
    assert.equal(shipment.personid, 'KCHN-00000001');
  });

  void it('order_getList filters by state code and by the time of the last state change', async () => {
    for (const id of ['L1', 'L2', 'L3', 'L4']) await api('order_create', order(id));
    sandbox.ship('L2');
    sandbox.setState('L3', { state: 'shipped', at: new Date(Date.now() - 3 * 3_600_000).toISOString() });
    sandbox.setState('L4', { state: 'shipped', at: new Date(Date.now() - 4 * 86_400_000).toISOString() });
    const list = async (filter: unknown) =>
      (await api<HublifyOrderData[]>('order_getList', { filter })).json.data.map((o) => o.o_orderid_external);

    assert.deepEqual(await list({ order_state_code: 'shipped' }), ['L2', 'L3', 'L4']);
    assert.deepEqual(await list({ order_state_code: 'shipped', order_state_transtime: { search: '> -3days' } }), [
      'L2',
      'L3',
    ]);
    assert.deepEqual(await list({ order_state_code: 'shipped', order_state_transtime: { search: '> -2hours' } }), [
      'L2',
    ]);
    assert.deepEqual(await list({ order_state_transtime: { search: '> -30minutes' } }), ['L1', 'L2']);
    assert.deepEqual(await list({ order_state_code: 'received' }), ['L1']);
    assert.deepEqual(await list(undefined), ['L1', 'L2', 'L3', 'L4']);
    const shipped = (await api<HublifyOrderData[]>('order_getList', { filter: { order_state_code: 'shipped' } })).json
      .data;
    assert.equal(shipped[0]?.delivery_list?.length, 1, 'listed orders carry their shipments');

    const bad = await api('order_getList', { filter: { order_state_transtime: { search: 'yesterday-ish' } } });
    assert.equal(bad.json.status, false);
    assert.equal(bad.json.msg[0]?.type, 'ERROR');
  });
});

void describe('Hublify sandbox: control API', () => {
  let sandbox: HublifySandbox;
  const control = <T = HublifyOrderData>(route: string, init: { method?: string; body?: unknown } = {}) =>
    request<T>(`${sandbox.url}/_sandbox${route}`, init);
  const create = (external: string) =>
    request(`${sandbox.url}/api/${sandbox.channel}/order_create`, {
      body: order(external),
      headers: { 'API-Channel-Token': sandbox.token },
    });

  before(async () => {
    sandbox = await startHublifySandbox();
  });
  after(() => sandbox.close());
  beforeEach(() => control('/reset', { method: 'POST' }));

  void it('GET /_sandbox/orders lists orders with their request bodies, and calls per verb', async () => {
    await create('C1');
    await create('C1');
    const { json } = await control<{ orders: SandboxOrder[]; requestCounts: Record<string, number> }>('/orders');
    assert.equal(json.orders.length, 1);
    assert.deepEqual(json.orders[0]?.request, order('C1'));
    assert.equal(json.orders[0]?.order_state_name, 'Auftrag eingegangen');
    assert.deepEqual(json.requestCounts, { order_create: 2 });
  });

  void it('GET /_sandbox/orders/:id takes either id, and answers 404 for neither', async () => {
    await create('C2');
    assert.equal((await control('/orders/ACHN-00000001')).json.o_orderid_external, 'C2');
    assert.equal((await control('/orders/C2')).json.orderid, 'ACHN-00000001');
    assert.equal((await control('/orders/NOPE')).status, 404);
  });

  void it('POST /_sandbox/orders/:id/ship adds shipments, partial first, then whole', async () => {
    await create('C3');
    const partial = await control('/orders/C3/ship', {
      body: {
        partial: true,
        shipments: [
          {
            carrier: 'ups',
            trackingCode: '1Z999',
            traceUrl: 'https://ups.example/1Z999',
            sentAt: '2024-02-03 04:05:06',
          },
        ],
      },
    });
    assert.equal(partial.status, 200);
    assert.equal(partial.json.order_state_code, 'partially_shipped');
    const whole = await control('/orders/C3/ship', {
      body: { shipments: [{}, { carrier: 'dpd', carrierName: 'DPD Deutschland' }] },
    });
    assert.equal(whole.json.order_state_code, 'shipped');
    const [ups, dhl, dpd] = whole.json.delivery_list ?? [];
    assert.deepEqual(
      [ups, dhl, dpd].map((s) => [s?.shp_c_label, s?.shp_c_name, s?.dv_time_sent === '2024-02-03 04:05:06']),
      [
        ['ups', 'UPS', true],
        ['dhl', 'Deutsche Post DHL', false],
        ['dpd', 'DPD Deutschland', false],
      ],
    );
    assert.equal(ups?.drvd_dv_trace_url, 'https://ups.example/1Z999');
    assert.notEqual(dhl?.dv_extcode, dpd?.dv_extcode, 'generated tracking codes differ');
    assert.equal((await control<SandboxOrder>('/orders/C3')).json.order_state_name, 'Versendet');
  });

  void it('POST /_sandbox/orders/:id/state takes any state code', async () => {
    await create('C4');
    for (const state of ['processing', 'cancelled', 'some_state_nobody_documented']) {
      const answer = await control('/orders/C4/state', { body: { state } });
      assert.equal(answer.status, 200);
      assert.equal(answer.json.order_state_code, state);
    }
    assert.equal((await control<SandboxOrder>('/orders/C4')).json.order_state_name, 'some_state_nobody_documented');
  });

  void it('answers 400 for a malformed body and 404 for an unknown order or route', async () => {
    await create('C5');
    assert.equal((await control('/orders/C5/state', { body: {} })).status, 400);
    assert.equal((await control('/orders/C5/ship', { body: { shipments: [{ sentAt: 'someday' }] } })).status, 400);
    assert.equal((await control('/faults', { body: { kind: 'meteor' } })).status, 400);
    assert.equal((await control('/orders/NOPE/ship', { body: {} })).status, 404);
    assert.equal((await control('/nothing-here')).status, 404);
  });

  void it('POST /_sandbox/reset forgets orders and counts, and ids start again', async () => {
    await create('C6');
    await control('/reset', { method: 'POST' });
    assert.deepEqual((await control('/orders')).json, { orders: [], requestCounts: {} });
    assert.equal((await create('C7')).json.data.orderid, 'ACHN-00000001');
  });

  void it('POST /_sandbox/faults hits the next `count` calls of the given verbs; DELETE clears', async () => {
    const stats = () =>
      request(`${sandbox.url}/api/${sandbox.channel}/stats`, {
        body: {},
        headers: { 'API-Channel-Token': sandbox.token },
      });
    const added = await control('/faults', { body: { kind: 'http500', count: 2, verbs: ['order_create'] } });
    assert.equal(added.status, 201);
    assert.equal((await stats()).status, 200, 'other verbs are not hit');
    assert.equal((await create('F1')).status, 500);
    assert.equal((await create('F1')).status, 500);
    assert.equal((await create('F1')).status, 200);
    assert.deepEqual((await control('/faults')).json, []);

    await control('/faults', { body: { kind: 'http429', count: 5, retryAfterSeconds: 3 } });
    const limited = await stats();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    assert.equal((await control('/faults', { method: 'DELETE' })).status, 204);
    assert.equal((await stats()).status, 200);
  });

  void it('faults within a time window hit every call until the window ends', async () => {
    const stats = () =>
      request(`${sandbox.url}/api/${sandbox.channel}/stats`, {
        body: {},
        headers: { 'API-Channel-Token': sandbox.token },
      });
    const { json: fault } = await control<{ until: string; remaining: number | null }>('/faults', {
      body: { kind: 'http500', forMs: 2_000 },
    });
    assert.equal(fault.remaining, null, 'no count: the window alone bounds it');
    // An answer that arrived before the window's end was given within it (a busy machine may be slow to ask).
    const until = Date.parse(fault.until);
    const answered = [];
    for (let i = 0; i < 3; i++) answered.push({ status: (await stats()).status, inWindow: Date.now() < until });
    assert.ok(answered[0]!.inWindow, 'the first answer came within the window');
    for (const a of answered.filter((x) => x.inWindow)) assert.equal(a.status, 500);
    await new Promise((resolve) => setTimeout(resolve, until - Date.now() + 20));
    assert.equal((await stats()).status, 200);
  });

  void it('not-json answers an HTML page, drop closes the socket, slow answers late', async () => {
    const stats = () =>
      fetch(`${sandbox.url}/api/${sandbox.channel}/stats`, {
        method: 'POST',
        body: '{}',
        headers: { 'API-Channel-Token': sandbox.token },
      });
    sandbox.injectFault({ kind: 'not-json' });
    const page = await stats();
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /<html>/);

    sandbox.injectFault({ kind: 'drop' });
    await assert.rejects(stats(), TypeError);

    sandbox.injectFault({ kind: 'slow', delayMs: 150 });
    const started = Date.now();
    assert.equal((await stats()).status, 200);
    assert.ok(Date.now() - started >= 150);
    assert.deepEqual(sandbox.requestCounts(), { stats: 3 });
  });
});

void describe('Hublify sandbox: close', () => {
  void it('ends hanging and slow requests', async () => {
    const sandbox = await startHublifySandbox();
    try {
      const call = () =>
        fetch(`${sandbox.url}/api/${sandbox.channel}/stats`, {
          method: 'POST',
          body: '{}',
          headers: { 'API-Channel-Token': sandbox.token },
        });
      // Neither would ever be answered (a day's delay outlasts any test): if close() waited for them,
      // it would never resolve and the test would time out.
      sandbox.injectFault({ kind: 'hang' });
      sandbox.injectFault({ kind: 'slow', delayMs: 86_400_000 });
      // Both fail once the sandbox closes; assert.rejects watches them from the start.
      const hanging = assert.rejects(call(), TypeError);
      const slow = assert.rejects(call(), TypeError);
      await pollUntil(() => (sandbox.requestCounts().stats ?? 0) >= 2, {
        what: 'both calls to reach the sandbox',
        timeoutMs: PATIENCE_MS,
        everyMs: 10,
      });
      await sandbox.close();
      await Promise.all([hanging, slow]);
    } finally {
      await sandbox.close(); // idempotent
    }
  });
});

void describe('Hublify sandbox: outbound webhook', () => {
  let receiver: http.Server;
  let receiverUrl: string;
  const deliveries: { headers: http.IncomingHttpHeaders; body: unknown }[] = [];

  before(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(204).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/hublify`;
  });
  after(() => new Promise((resolve) => receiver.close(resolve)));

  void it('POSTs the order_get data with the webhook token after each state change and shipment', async () => {
    const sandbox = await startHublifySandbox({ webhookUrl: receiverUrl, webhookToken: 'hook-secret' });
    try {
      const created = await request(`${sandbox.url}/api/${sandbox.channel}/order_create`, {
        body: order('W1'),
        headers: { 'API-Channel-Token': sandbox.token },
      });
      assert.equal(created.json.status, true);
      await sandbox.webhooksSettled();
      assert.equal(deliveries.length, 0, 'creating an order is not a state change');

      sandbox.setState('W1', 'processing');
      const shipped = sandbox.ship('W1');
      await sandbox.webhooksSettled();

      assert.deepEqual(
        deliveries.map((d) => d.body),
        [
          {
            status: true,
            data: {
              personid: 'KCHN-00000001',
              orderid: 'ACHN-00000001',
              o_orderid_external: 'W1',
              order_state_code: 'processing',
            },
          },
          { status: true, data: shipped },
        ],
      );
      for (const { headers } of deliveries) {
        assert.equal(headers['x-hublify-webhook-token'], 'hook-secret');
        assert.equal(headers['content-type'], 'application/json');
      }
    } finally {
      await sandbox.close();
    }
  });

  void it('survives a webhook receiver that is not there', async () => {
    const sandbox = await startHublifySandbox({ webhookUrl: 'http://127.0.0.1:1/nowhere' });
    try {
      await request(`${sandbox.url}/api/${sandbox.channel}/order_create`, {
        body: order('W2'),
        headers: { 'API-Channel-Token': sandbox.token },
      });
      sandbox.ship('W2');
      await sandbox.webhooksSettled();
      const answer = await request(`${sandbox.url}/api/${sandbox.channel}/order_get`, {
        body: { filter: { o_orderid_external: 'W2' } },
        headers: { 'API-Channel-Token': sandbox.token },
      });
      assert.equal(answer.json.data.order_state_code, 'shipped');
    } finally {
      await sandbox.close();
    }
  });
});

void describe('Hublify sandbox: order_state_transtime search', () => {
  void it('reads relative and absolute bounds, and refuses anything else', () => {
    const now = new Date(2024, 4, 10, 12, 0, 0);
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
    const within3Days = parseTranstimeSearch('> -3days', now);
    assert.ok(within3Days?.(hoursAgo(71)) && !within3Days(hoursAgo(73)));
    const within2Hours = parseTranstimeSearch('>-2hours', now);
    assert.ok(within2Hours?.(hoursAgo(1)) && !within2Hours(hoursAgo(3)));
    const within30Minutes = parseTranstimeSearch('> -30minutes', now);
    assert.ok(within30Minutes?.(hoursAgo(0.25)) && !within30Minutes(hoursAgo(1)));
    const olderThanADay = parseTranstimeSearch('< -1day', now);
    assert.ok(olderThanADay?.(hoursAgo(25)) && !olderThanADay(hoursAgo(1)));
    const since = parseTranstimeSearch('>= 2024-05-10 11:00:00', now);
    assert.ok(since?.(hoursAgo(1)) && !since(hoursAgo(2)));
    for (const bad of ['', 'soon', '> -3fortnights', '>> -1day'])
      assert.equal(parseTranstimeSearch(bad, now), undefined, bad);
  });
});

void describe('Hublify sandbox: kept in a file (npm start keeps it in DATA_DIR)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hublify-sandbox-state-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const call = (sandbox: HublifySandbox, verb: string, body: unknown) =>
    request(`${sandbox.url}/api/${sandbox.channel}/${verb}`, { body, headers: { 'API-Channel-Token': sandbox.token } });

  void it('a restarted sandbox still has its orders, shipments and updates, and its ids go on where they stopped', async () => {
    const stateFile = path.join(dir, 'nested', 'hublify-sandbox.json');
    const first = await startHublifySandbox({ stateFile });
    let waitingId: string;
    try {
      waitingId = (await call(first, 'order_create', order('WAITING-1'))).json.data.orderid;
      const shippedId = (await call(first, 'order_create', order('SHIPPED-1'))).json.data.orderid;
      first.ship(shippedId, { shipments: [{ trackingCode: 'JJD-KEPT' }] });
      assert.equal(
        (
          await call(first, 'order_update', {
            filter: { orderid: waitingId },
            fields: { order: { deliver_street: 'Kept Street' } },
          })
        ).json.status,
        true,
      );
    } finally {
      await first.close();
    }

    const second = await startHublifySandbox({ stateFile });
    try {
      // The waiting order is still there under both ids, with its update and its person.
      const waiting = await call(second, 'order_get', {
        filter: { orderid: waitingId, o_orderid_external: 'WAITING-1' },
      });
      assert.equal(waiting.json.status, true, JSON.stringify(waiting.json));
      assert.equal(waiting.json.data.order_state_code, 'received');
      assert.equal(second.order('WAITING-1')?.order.deliver_street, 'Kept Street');
      assert.equal(second.order('WAITING-1')?.person.personid, waiting.json.data.personid);
      assert.deepEqual(
        second.order('SHIPPED-1')?.delivery_list.map((s) => s.dv_extcode),
        ['JJD-KEPT'],
      );
      // A second inject of a kept order is still recognised.
      assert.equal((await call(second, 'order_create', order('WAITING-1'))).json.status, false);
      // New orders get new ids: none of the kept ones is handed out again.
      const next = (await call(second, 'order_create', order('NEW-1'))).json.data.orderid;
      assert.ok(![waitingId, ...first.orders().map((o) => o.orderid)].includes(next), next);
      assert.ok(next > waitingId, `${next} after ${waitingId}`);
      // reset forgets the orders, but a kept sandbox never starts its ids again.
      second.reset();
      const afterReset = (await call(second, 'order_create', order('NEW-2'))).json.data.orderid;
      assert.ok(afterReset > next, `${afterReset} after ${next}`);
    } finally {
      await second.close();
    }
  });

  void it('a broken state file stops the start with its path, and is left as it was', async () => {
    const stateFile = path.join(dir, 'broken.json');
    writeFileSync(stateFile, '{"version": 1, "orders": [');
    await assert.rejects(
      startHublifySandbox({ stateFile }),
      (err: Error) => err.message.includes(stateFile) && /not valid JSON/.test(err.message),
    );
    assert.equal(readFileSync(stateFile, 'utf8'), '{"version": 1, "orders": [');
  });
});

void describe('Hublify sandbox: CLI', () => {
  void it(
    'on a port where a sandbox already runs, says so (exit 0) instead of EADDRINUSE',
    { timeout: 30_000 },
    async () => {
      const embedded = await startHublifySandbox({ runBy: 'npm start' });
      try {
        const cli = path.join(__dirname, '..', 'src', 'hublify', 'sandbox', 'cli.ts');
        const env = { ...process.env, HUBLIFY_CHANNEL_TOKEN: '', HUBLIFY_URL: '', LOG_LEVEL: 'silent' };
        const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', String(embedded.port)], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        const [code] = (await once(child, 'exit')) as [number | null];
        assert.equal(code, 0, stderr);
        assert.match(
          stdout,
          new RegExp(`already running on ${embedded.url.replace(/\./g, '\\.')} \\(started by \`npm start\`\\)`),
        );
        assert.match(stdout, /API-Channel-Token: sandbox-token/);
        assert.doesNotMatch(stdout + stderr, /EADDRINUSE/);
      } finally {
        await embedded.close();
      }
    },
  );

  void it('starts on the given port, says where, and serves the channel API', { timeout: 30_000 }, async () => {
    const cli = path.join(__dirname, '..', 'src', 'hublify', 'sandbox', 'cli.ts');
    const env = { ...process.env, HUBLIFY_CHANNEL_TOKEN: '', HUBLIFY_URL: '', LOG_LEVEL: 'silent' };
    const args = ['--import', 'tsx', cli, '--port', '0', '--channel', 'channel_42', '--token', 'cli-token'];
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = once(child, 'exit');
    try {
      const firstLine = await Promise.race([
        once(createInterface({ input: child.stdout }), 'line').then(([line]) => String(line)),
        exited.then(([code]) =>
          assert.fail(`the CLI exited (${String(code)}) before saying where it listens:\n${stderr}`),
        ),
      ]);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(firstLine)?.[1];
      assert.ok(url, `unexpected first line: ${firstLine}`);
      const answer = await request(`${url}/api/channel_42/stats`, {
        body: {},
        headers: { 'API-Channel-Token': 'cli-token' },
      });
      assert.deepEqual(answer.json, { status: true });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
