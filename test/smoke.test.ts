// End-to-end smoke: an order goes through the HTTP server, a workflow on the real Temporal server,
// and its activities into the Hublify sandbox; health and readiness answer as promised.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderWorkflowId } from '../src/apicbase/order';
import { waitForStatus } from './helpers/orders';
import { sampleOrder } from './helpers/sample-order';
import { useTestSystem } from './helpers/system';
import { deliverOrder } from './helpers/webhook';

void describe('smoke: webhook → workflow → activities → Hublify', () => {
  const system = useTestSystem();

  void it('answers /healthz and /readyz', async () => {
    assert.equal((await fetch(`${system.baseUrl}/healthz`)).status, 200);
    const ready = await fetch(`${system.baseUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { temporal: true, worker: true });
  });

  void it('accepts a signed order, verifies it and injects it into Hublify', async () => {
    const order = sampleOrder();
    const res = await deliverOrder(system.baseUrl, order);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.workflowId, orderWorkflowId(order.id));
    assert.equal(res.body.stage, 'VERIFIED');
    assert.match(String(res.headers.get('x-request-id')), /.+/);

    const handle = system.relay.client.workflow.getHandle(orderWorkflowId(order.id));
    const status = await waitForStatus(handle, (s) => s.hublify !== null);
    assert.match(status.hublify?.orderId ?? JSON.stringify(status), /^ACHN-\d+$/);
    const injected = system.sandbox.order(order.order_number);
    assert.ok(injected, 'the sandbox has the order');
    assert.equal(system.sandbox.orders().length, 1);
  });
});
