// The soak's reckoning tells a status query that gave up under load from an order truly stuck (#22,
// "Also"): a lost query answer is tried again, and when it still fails the relay's own records
// (visibility's OrderStage and the order store) decide.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { judgeRelaySide, readStatus } from '../scripts/soak/reckoning';
import type { OrderStatus } from '../workflows/order-status';

const hublify = { state: 'shipped', orderId: 'ACHN-00000001' };
const status = (stage: OrderStatus['stage']) =>
  ({
    stage,
    hublify: { orderId: 'ACHN-00000001', state: 'received' },
    attempts: { inject: 1, polls: 3 },
    lastError: null,
  }) as unknown as OrderStatus;

void describe('soak reckoning: stuck or a status query that gave up', () => {
  void it('an answered status at the expected stage is settled; at another stage it is stuck', () => {
    const settled = judgeRelaySide({
      orderNumber: 'PO-1',
      expected: 'SHIPPED',
      reading: { status: status('SHIPPED') },
      visibilityStage: 'SHIPPED',
      storeStage: 'SHIPPED',
      hublify,
    });
    assert.deepEqual(settled, { problem: null, queryGaveUp: null });
    const stuck = judgeRelaySide({
      orderNumber: 'PO-1',
      expected: 'SHIPPED',
      reading: { status: status('WAITING_FOR_SHIPMENT') },
      visibilityStage: 'SHIPPED',
      storeStage: 'SHIPPED',
      hublify,
    });
    assert.match(
      stuck.problem ?? '',
      /^PO-1: Hublify shipped \(ACHN-00000001\), relay WAITING_FOR_SHIPMENT tracking ACHN-00000001 .*3 polls.*\(stuck\)$/,
    );
    assert.equal(stuck.queryGaveUp, null);
  });

  void it('a status query that gave up while visibility and the store show the order settled is no problem, and is said so', () => {
    const judged = judgeRelaySide({
      orderNumber: 'PO-2',
      expected: 'SHIPPED',
      reading: { queryError: 'deadline exceeded' },
      visibilityStage: 'SHIPPED',
      storeStage: 'SHIPPED',
      hublify,
    });
    assert.equal(judged.problem, null);
    assert.match(
      judged.queryGaveUp ?? '',
      /^PO-2: status query gave up \(deadline exceeded\); visibility says SHIPPED, store says SHIPPED: settled SHIPPED, not stuck$/,
    );
  });

  void it('a status query that gave up while a record lags is stuck, naming what each record holds', () => {
    for (const [visibilityStage, storeStage] of [
      ['WAITING_FOR_SHIPMENT', 'SHIPPED'],
      ['SHIPPED', 'WAITING_FOR_SHIPMENT'],
      [undefined, undefined],
    ] as const) {
      const judged = judgeRelaySide({
        orderNumber: 'PO-3',
        expected: 'SHIPPED',
        reading: { queryError: 'deadline exceeded' },
        visibilityStage,
        storeStage,
        hublify,
      });
      assert.match(
        judged.problem ?? '',
        /relay status query gave up \(deadline exceeded\); visibility says .*, store says .*, expected SHIPPED \(stuck\)$/,
        JSON.stringify(judged),
      );
      assert.match(
        judged.problem ?? '',
        new RegExp(`visibility says ${visibilityStage ?? 'nothing'}, store says ${storeStage ?? 'no row'}`),
      );
      assert.ok(judged.queryGaveUp);
    }
  });

  void it('readStatus asks again after a failed query, and reports the last error when every try fails', async () => {
    let calls = 0;
    const flaky = (failures: number) =>
      ({
        withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
        workflow: {
          getHandle: () => ({
            query: () => {
              calls += 1;
              return calls <= failures
                ? Promise.reject(new Error(`deadline exceeded (try ${calls})`))
                : Promise.resolve(status('SHIPPED'));
            },
          }),
        },
      }) as unknown as Client;
    const answered = await readStatus(flaky(2), 'apicbase-order-1', 60_000);
    assert.ok('status' in answered && answered.status.stage === 'SHIPPED');
    assert.equal(calls, 3, 'two failed tries, then the answer');
    calls = 0;
    const gaveUp = await readStatus(flaky(Number.POSITIVE_INFINITY), 'apicbase-order-1', 1_500);
    assert.ok('queryError' in gaveUp);
    assert.match(gaveUp.queryError, /^deadline exceeded \(try \d+\)$/);
    assert.ok(calls >= 2, `tried ${calls} times`);
    // With no patience left (the reckoning's shared budget spent) it is still asked, once.
    calls = 0;
    const once = await readStatus(flaky(Number.POSITIVE_INFINITY), 'apicbase-order-1', 0);
    assert.ok('queryError' in once);
    assert.equal(calls, 1);
  });
});
