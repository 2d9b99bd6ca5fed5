// One rule for refused orders (issue 26.2): every order the webhook answers 422 — an unknown customer
// (no workflow is started), a price that is no number (its workflow verified and rejected it), a body
// that is not an order — leaves a refusal record in the order store without personal data, and support
// finds it by its number with `order-relay orders show` and `orders list --stage REJECTED --closed`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { defaultOrderStoreFile } from '../src/store/order-store';
import { runCliJson, runCliProcess } from './helpers/cli-process';
import { sampleOrder } from './helpers/sample-order';
import { useTestSystem } from './helpers/system';
import { inStage, waitForVisible } from './helpers/visibility';
import { deliverOrder } from './helpers/webhook';

const ADMIN_TOKEN = 'test-admin-token-refusals-1';

interface Refusal {
  orderNumber: string | null;
  apicbaseId: string | null;
  refusedAt: string;
  workflowId: string | null;
  reasons: Array<{ path: string; code: string }>;
}

void describe('refused orders: a record for every 422, found by its number', () => {
  const system = useTestSystem({ ADMIN_TOKEN });

  const cliJson = <T>(args: string[]): Promise<T> => runCliJson<T>(system, args);

  void it('an unknown customer, a price "abc" and a malformed order: each a refusal record without personal data; `orders show` and `list --stage REJECTED --closed` find them', async () => {
    const unknownCustomer = sampleOrder({ supplier_customer_number: 'CUST-NOT-HERE-77' });
    const badPrice = sampleOrder();
    badPrice.packages[0]!.supplier_package.theoretical_price_per_package = 'abc';
    const malformed = { ...sampleOrder(), packages: 'Crème fraîche, zwei Becher' };

    const answers = [
      await deliverOrder(system.baseUrl, unknownCustomer),
      await deliverOrder(system.baseUrl, badPrice),
      await deliverOrder(system.baseUrl, malformed),
    ];
    assert.deepEqual(
      answers.map((a) => a.status),
      [422, 422, 422],
      JSON.stringify(answers.map((a) => a.body)),
    );

    // The record is there when the 422 is: support can look the order up while the customer is on the phone.
    const shownUnknown = await cliJson<Refusal & { stage: string; execution: string; refusals: Refusal[] }>([
      'orders',
      'show',
      unknownCustomer.order_number,
    ]);
    assert.deepEqual(
      [shownUnknown.stage, shownUnknown.workflowId, shownUnknown.execution, shownUnknown.apicbaseId],
      ['REJECTED', null, 'NO_WORKFLOW', unknownCustomer.id],
    );
    assert.deepEqual(
      shownUnknown.refusals.map((r) => r.reasons),
      [[{ path: 'supplier_customer_number', code: 'unknown_customer' }]],
    );
    const text = await runCliProcess(system, ['orders', 'show', unknownCustomer.order_number]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Stage: +REJECTED/m);
    assert.match(text.stdout, /^Temporal: +no workflow/m);
    assert.match(
      text.stdout,
      /^Refused: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(webhook answered 422, no workflow\) · supplier_customer_number: unknown_customer$/m,
    );
    // By its Apicbase id too, and through the admin API.
    assert.equal(
      (await cliJson<{ orderNumber: string }>(['orders', 'show', unknownCustomer.id])).orderNumber,
      unknownCustomer.order_number,
    );
    const viaAdmin = await fetch(`${system.baseUrl}/admin/orders/${unknownCustomer.order_number}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(viaAdmin.status, 200);
    assert.deepEqual(await viaAdmin.json(), shownUnknown);

    // The price "abc": its workflow verified and rejected it (FAILED, stage REJECTED); show has the workflow and the refusal.
    const shownPrice = await cliJson<{ stage: string; workflowId: string; execution: string; refusals: Refusal[] }>([
      'orders',
      'show',
      badPrice.order_number,
    ]);
    assert.deepEqual([shownPrice.stage, shownPrice.execution], ['REJECTED', 'FAILED']);
    assert.equal(shownPrice.refusals.length, 1);
    assert.equal(shownPrice.refusals[0]!.workflowId, shownPrice.workflowId);
    assert.deepEqual(shownPrice.refusals[0]!.reasons, [
      { path: 'packages[0].supplier_package.theoretical_price_per_package', code: 'not_decimal' },
    ]);

    // The malformed body: its number and why (zod's path and code).
    const shownMalformed = await cliJson<{ refusals: Refusal[] }>(['orders', 'show', malformed.order_number]);
    assert.deepEqual(shownMalformed.refusals[0]!.reasons, [{ path: 'packages', code: 'invalid_type' }]);

    // Listed among the closed REJECTED orders: the one without a workflow from the store, the failed run from Temporal.
    await waitForVisible(system.relay.client, inStage(shownPrice.workflowId, 'REJECTED'));
    const listed = await cliJson<{
      orders: Array<{ orderNumber: string; stage: string; execution: string; workflowId: string | null }>;
    }>(['orders', 'list', '--stage', 'REJECTED', '--closed']);
    const byNumber = new Map(listed.orders.map((o) => [o.orderNumber, o]));
    assert.deepEqual(byNumber.get(unknownCustomer.order_number), {
      ...byNumber.get(unknownCustomer.order_number),
      stage: 'REJECTED',
      execution: 'NO_WORKFLOW',
      workflowId: null,
    });
    assert.equal(byNumber.get(malformed.order_number)?.execution, 'NO_WORKFLOW');
    assert.equal(byNumber.get(badPrice.order_number)?.execution, 'FAILED');
    const table = await runCliProcess(system, ['orders', 'list', '--stage', 'REJECTED', '--closed']);
    assert.match(table.stdout, new RegExp(`^${unknownCustomer.order_number} +- +REJECTED +- +NO_WORKFLOW `, 'm'));

    // No personal data in the store's refusal rows: no values, names, addresses or the unknown customer number.
    const db = new Database(defaultOrderStoreFile(system.dataDir), { readonly: true });
    const rows = db.prepare('SELECT * FROM refusals ORDER BY refused_at').all() as Array<Record<string, string | null>>;
    db.close();
    assert.deepEqual(
      rows.map((r) => Object.keys(r).sort()),
      rows.map(() => ['apicbase_id', 'order_number', 'reasons', 'refusal_id', 'refused_at', 'workflow_id']),
    );
    assert.deepEqual(
      rows.map((r) => [r.order_number, r.apicbase_id]),
      [unknownCustomer, badPrice, malformed].map((o) => [o.order_number, o.id]),
    );
    const reasons = rows.map((r) => r.reasons).join('\n');
    for (const value of [
      'abc',
      'CUST-NOT-HERE-77',
      'chef.müller',
      'Crème fraîche',
      'zwei Becher',
      'Bitte bis 8 Uhr',
      'Weißwurst',
    ])
      assert.ok(!reasons.includes(value), `the store holds "${value}": ${reasons}`);
  });
});
