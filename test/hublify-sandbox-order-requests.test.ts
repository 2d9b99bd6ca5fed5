// The sandbox counts the order_create calls it RECEIVED per order (o_orderid_external), faulted and
// duplicate ones included: what tests check "exactly one order_create per order" against.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exampleOrderCreateRequest } from '../src/hublify/sandbox/example-order';
import { startHublifySandbox, type HublifySandbox } from '../src/hublify/sandbox/server';
import { countDeliveries } from '../scripts/bench/deliveries';

void describe('Hublify sandbox: order_create calls received per order', () => {
  let sandbox: HublifySandbox;
  before(async () => {
    sandbox = await startHublifySandbox();
  });
  after(() => sandbox.close());

  const create = (external: string) =>
    fetch(`${sandbox.url}/api/${sandbox.channel}/order_create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'API-Channel-Token': sandbox.token },
      body: JSON.stringify(exampleOrderCreateRequest({ o_orderid_external: external })),
    });

  void it('counts each call by its o_orderid_external: duplicates and faulted calls included', async () => {
    await create('R1');
    await create('R1'); // Hublify answers "already injected": still a call received
    sandbox.injectFault({ kind: 'http500', count: 1, verbs: ['order_create'] });
    assert.equal((await create('R2')).status, 500);

    assert.equal(sandbox.orderCreateCalls('R1'), 2);
    assert.equal(sandbox.orderCreateCalls('R2'), 1);
    assert.equal(sandbox.orderCreateCalls('R3'), 0);
    const res = await fetch(`${sandbox.url}/_sandbox/create-calls/R1`);
    assert.deepEqual(await res.json(), { orderidExternal: 'R1', orderCreateCalls: 2 });
    assert.equal(sandbox.requestCounts().order_create, 3);
  });

  void it("the bench's delivery check names each order created more than once, and each acknowledged order missing", async () => {
    await create('D1');
    await create('D1');
    await create('D2');
    const check = countDeliveries({ started: 3, sandbox, acknowledged: ['D1', 'D2', 'D3'] });
    assert.equal(check.duplicated, 1 + 1, 'D1 here, and R1 from the test before');
    assert.equal(check.lost, 1);
    assert.equal(check.ok, false);
  });
});
