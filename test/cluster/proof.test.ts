// The proof of the production topology (#14.4): two API processes and two worker processes against
// a Temporal server on PostgreSQL and one shared order store; 200 signed orders split across both APIs
// (every tenth delivered again to the other), one worker SIGKILLed in the middle. Every accepted order
// has exactly one workflow, exactly one order_create received by the Hublify sandbox, and one row in the
// shared store; the surviving worker carried on the killed one's work. In `npm test`; alone: `npm run test:cluster`.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { orderWorkflowId } from '../../src/apicbase/order';
import { openOrderStore } from '../../src/store/order-store';
import { historyFigures, spread } from '../helpers/history-figures';
import { stageIs, waitForStatus } from '../helpers/orders';
import type { RelayProcess } from '../helpers/relay-process';
import { relayClusterForSuite, until, type RelayCluster } from '../helpers/relay-cluster';
import { sampleOrder } from '../helpers/sample-order';
import { deliverOrder } from '../helpers/webhook';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');

void describe('the production topology under a killed worker', () => {
  const rc = relayClusterForSuite();
  const start: RelayCluster['start'] = (...args) => rc().start(...args);
  const handleOf: RelayCluster['handleOf'] = (id) => rc().handleOf(id);

  void it('two APIs and two workers, one worker SIGKILLed mid-way: every accepted order runs once, reaches Hublify once, and the survivor finishes', async () => {
    const apis = [await start('api', 'api-1'), await start('api', 'api-2')];
    const doomed = await start('worker', 'worker-1');
    const survivor = await start('worker', 'worker-2');
    const identity = (p: RelayProcess) => `${p.child.pid}@${hostname()}`;

    const total = 200;
    const orders = Array.from({ length: total }, () => sampleOrder());
    const accepted = new Set<string>();
    const answers: number[] = [];
    let next = 0;
    let killed = false;
    const send = async (i: number, to: number) => {
      const res = await deliverOrder(apis[to % 2]!.baseUrl!, orders[i]!).catch(() => ({ status: 0 }));
      answers.push(res.status);
      if (res.status >= 200 && res.status < 300) accepted.add(orders[i]!.id);
    };
    const sender = async () => {
      while (next < total) {
        const i = next++;
        await send(i, i);
        // Every tenth order is delivered again, to the other API (a webhook retry landing elsewhere).
        if (i % 10 === 0) await send(i, i + 1);
        if (!killed && i >= total * 0.4) {
          killed = true;
          await doomed.kill();
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    assert.ok(killed);
    // 200, or 202 when a verdict was late (its workflow task was on the killed worker's sticky queue).
    const refused = answers.filter((s) => s !== 200 && s !== 202);
    assert.deepEqual(refused, [], 'every delivery was accepted');
    assert.equal(accepted.size, total);

    const histories = new Map<string, Awaited<ReturnType<WorkflowHandle['fetchHistory']>>>();
    for (const order of orders) {
      const id = orderWorkflowId(order.id);
      await waitForStatus(handleOf(order.id), stageIs('WAITING_FOR_SHIPMENT'), 180_000);
      await until(`${id} in visibility`, async () => {
        let runs = 0;
        for await (const w of rc().client.workflow.list({ query: `WorkflowId = "${id}"` }))
          runs += w.workflowId === id ? 1 : 0;
        assert.ok(runs <= 1, `${id}: ${runs} workflows`);
        return runs === 1;
      });
      assert.equal(
        rc().sandbox.orderCreateCalls(order.order_number),
        1,
        `${order.order_number}: order_create calls received`,
      );
      histories.set(order.id, await handleOf(order.id).fetchHistory());
    }
    assert.equal(rc().sandbox.orders().length, total);

    // One row per order in the shared store, whichever process recorded which stage.
    const store = await openOrderStore(rc().storeUrl);
    try {
      for (const order of orders) {
        const row = await store.getOrder(orderWorkflowId(order.id));
        assert.ok(row, `${order.order_number}: no row in the shared store`);
        assert.equal(row.stage, 'WAITING_FOR_SHIPMENT');
        assert.deepEqual(
          row.stages.map((s) => s.stage).filter((s, i, all) => all.indexOf(s) === i),
          ['VERIFIED', 'INJECTED', 'WAITING_FOR_SHIPMENT'],
          `${order.order_number}: its stages`,
        );
      }
    } finally {
      await store.close();
    }

    // The killed worker had taken work (its identity completed workflow tasks), and every workflow it
    // had ended up carried on by the survivor.
    const completedBy = (history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>, who: string) =>
      (history.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes?.identity === who).length;
    const touchedByDoomed = [...histories.values()].filter((h) => completedBy(h, identity(doomed)) > 0);
    assert.ok(touchedByDoomed.length > 0, 'the killed worker had processed orders');
    const takenOver = touchedByDoomed.filter((h) => completedBy(h, identity(survivor)) > 0);
    assert.ok(takenOver.length > 0, 'the survivor carried on workflows the killed worker had');

    // What an order costs the engine, measured here (docs/scaling.md): written, not asserted.
    const figures = [...histories.values()].map((h) => historyFigures(h));
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(
      path.join(ARTIFACTS, 'cluster-history-figures.json'),
      `${JSON.stringify(
        {
          orders: figures.length,
          stage: 'WAITING_FOR_SHIPMENT',
          events: spread(figures.map((f) => f.events)),
          bytes: spread(figures.map((f) => f.bytes)),
          actions: spread(figures.map((f) => f.actions)),
          takenOver: takenOver.length,
          workerStartMs: { doomed: doomed.startMs, survivor: survivor.startMs },
        },
        null,
        2,
      )}\n`,
    );
    for (const p of [...apis, survivor]) assert.deepEqual(await p.stop(), { code: 0, signal: null }, p.output());
  });
});
