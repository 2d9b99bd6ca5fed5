// The Apicbase sandbox of `npm start` keeps its orders in DATA_DIR across restarts, as the Hublify sandbox does
// and as Apicbase itself would (issue 26.12: after a restart the reconciliation checked 0 orders). Started the
// way `npm start` starts it; what the supplier API lists after the restart is what a pull or the
// reconciliation would see.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PURCHASE_ORDERS_PATH } from '../src/apicbase/api-client';
import { tokenStoreFrom } from '../src/apicbase/from-config';
import { startEmbeddedApicbaseSandbox } from '../src/apicbase/sandbox/embedded';
import { APICBASE_SANDBOX_STATE_FILE, startApicbaseSandbox } from '../src/apicbase/sandbox/server';
import { loadConfig, type Config } from '../src/config';
import { createLogger } from '../src/logger';

interface Listed {
  id: string;
  order_number: string;
  status: string;
  fetched_by_supplier: boolean;
}

async function json<T>(response: Promise<Response>): Promise<T> {
  const r = await response;
  assert.ok(r.ok, `HTTP ${r.status} ${await r.clone().text()}`);
  return (await r.json()) as T;
}

/** The supplier API's list of ORDERED orders with the token `npm start` stored: what the pull and the reconciliation read. */
async function listOrdered(config: Config): Promise<Listed[]> {
  const token = tokenStoreFrom(config).read()!.accessToken;
  const page = await json<{ results: Listed[] }>(
    fetch(`${config.APICBASE_API_URL}${PURCHASE_ORDERS_PATH}?status=ORDERED&page_size=200`, {
      headers: { authorization: `Bearer ${token}` },
    }),
  );
  return page.results;
}

void describe('the Apicbase sandbox across restarts', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'order-relay-apicbase-sandbox-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const logger = createLogger('silent');
  // PORT 9: nothing listens there; these orders are placed for pulling, no webhook is sent.
  const config = loadConfig({ DATA_DIR: dataDir, APICBASE_SANDBOX_PORT: '0', PORT: '9', LOG_LEVEL: 'silent' });

  void it("npm start's sandbox finds its orders, their statuses and marks after a restart", async () => {
    const first = await startEmbeddedApicbaseSandbox(config, logger);
    let placed: Array<{ order: { id: string; order_number: string } }>;
    try {
      const url = first.config.APICBASE_API_URL!;
      const place = (body: object) =>
        json<{ order: { id: string; order_number: string } }>(
          fetch(`${url}/_sandbox/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          }),
        );
      placed = [
        await place({ delivery: 'pull' }),
        await place({ delivery: 'pull', customer: 'CUST-002' }),
        await place({ delivery: 'pull' }),
      ];
      // The third one delivered (no longer ORDERED), the first marked fetched by the supplier API.
      await json(
        fetch(`${url}/_sandbox/orders/${placed[2]!.order.id}/status`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ status: 'DELIVERED' }),
        }),
      );
      const token = tokenStoreFrom(first.config).read()!.accessToken;
      await json(
        fetch(`${url}${PURCHASE_ORDERS_PATH}${placed[0]!.order.id}/`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ fetched_by_supplier: true }),
        }),
      );
      assert.equal((await listOrdered(first.config)).length, 2, 'before the restart: two ORDERED');
      assert.match(
        first.line,
        new RegExp(`kept in ${path.join(dataDir, APICBASE_SANDBOX_STATE_FILE).replace(/[.\\/]/g, '\\$&')}`),
        'the banner says where',
      );
    } finally {
      await first.stop();
    }

    const second = await startEmbeddedApicbaseSandbox(config, logger);
    try {
      const listed = await listOrdered(second.config);
      assert.deepEqual(
        listed.map((o) => o.id).sort(),
        [placed[0]!.order.id, placed[1]!.order.id].sort(),
        'after the restart the API lists the same ORDERED orders',
      );
      const byId = new Map(listed.map((o) => [o.id, o]));
      assert.equal(byId.get(placed[0]!.order.id)?.fetched_by_supplier, true, 'the fetched mark is kept');
      assert.equal(byId.get(placed[1]!.order.id)?.fetched_by_supplier, false);
      assert.equal(byId.get(placed[0]!.order.id)?.order_number, placed[0]!.order.order_number);
      const all = await json<{ orders: Array<{ order: Listed }> }>(
        fetch(`${second.config.APICBASE_API_URL}/_sandbox/orders`),
      );
      assert.equal(
        all.orders.find((e) => e.order.id === placed[2]!.order.id)?.order.status,
        'DELIVERED',
        'the delivered order is kept, delivered',
      );
      assert.equal(all.orders.length, 3);
    } finally {
      await second.stop();
    }
  });

  void it('a broken state file stops the start naming the file, never emptied silently', async () => {
    const file = path.join(dataDir, 'broken-apicbase-sandbox.json');
    writeFileSync(file, '{"version": 1, "orders": [{"order": {}}]}');
    await assert.rejects(startApicbaseSandbox({ stateFile: file }), (err: Error) => {
      assert.match(err.message, new RegExp(`state file ${file.replace(/[.\\/]/g, '\\$&')} is not a sandbox snapshot`));
      return true;
    });
  });
});
