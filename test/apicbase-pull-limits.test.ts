// Pull mode end to end when Apicbase pushes back: a 429 storm and short-lived access tokens. (Apart
// from test/apicbase-pull.test.ts so that no file nears the test runner's per-file time limit on a
// loaded machine.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderWorkflowId, type ApicbaseOrder } from '../src/apicbase/order';
import { runCount, usePullModeSystem, waitUntil } from './helpers/apicbase';
import { PATIENCE_MS } from './helpers/patience';

void describe('Apicbase pull mode: rate limits and token refresh', () => {
  const { t, client, waitForWorkflow } = usePullModeSystem();

  void it('a 429 storm slows polling but loses nothing', async () => {
    const stats = t.apicbase.stats();
    t.apicbase.setRateLimit({ limit: 2, windowMs: 2_000 });
    t.apicbase.injectFault({ kind: 'http429', count: 4, retryAfterSeconds: 1 });
    try {
      const placed: ApicbaseOrder[] = [];
      for (let i = 0; i < 6; i++) placed.push((await t.apicbase.placeOrder({ delivery: 'pull' })).order);
      for (const order of placed) await waitForWorkflow(order.id);
      await waitUntil(
        () => placed.every((o) => t.apicbase.order(o.id)?.fetched_by_supplier),
        PATIENCE_MS,
        'every order marked fetched despite the storm',
      );
      const after = t.apicbase.stats();
      assert.ok(after.throttled - stats.throttled > 0, 'the rate limit answered 429');
      assert.equal(after.faulted - stats.faulted, 4, 'the scheduled 429s were answered');
      for (const order of placed) assert.equal(await runCount(client(), orderWorkflowId(order.id)), 1);
    } finally {
      t.apicbase.setRateLimit({ limit: 100, windowMs: 60_000 });
      t.apicbase.clearFaults();
    }
  });

  void it('access tokens are refreshed before they expire', async () => {
    t.apicbase.setAccessTokenTtl(4_000);
    await t.reauthorize(); // a token that lives 4 s: refreshed from half its life on
    const before = t.apicbase.stats();
    // Polls go on meanwhile; wait until the short-lived token was refreshed twice.
    await waitUntil(
      () => t.apicbase.stats().grants.refresh_token - before.grants.refresh_token >= 2,
      PATIENCE_MS,
      'two token refreshes',
    );
    const { order } = await t.apicbase.placeOrder({ delivery: 'pull' });
    await waitForWorkflow(order.id);
    const after = t.apicbase.stats();
    assert.ok(
      after.grants.refresh_token - before.grants.refresh_token >= 2,
      `refreshed: ${JSON.stringify(after.grants)}`,
    );
    assert.equal(after.expiredTokenUses - before.expiredTokenUses, 0, 'an expired token was never sent');
    assert.equal(after.unauthorized - before.unauthorized, 0);
    t.apicbase.setAccessTokenTtl(7 * 86_400_000);
  });
});
