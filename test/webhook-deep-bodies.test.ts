// Deeply nested bodies with a wrong signature (issue 12.1): refused 403 in every signature form, the
// server answering /healthz all along and taking a real order after; and the Python-form
// re-serialiser needs no stack for depth, however little its caller leaves. Behaviour only: the cost
// and the event-loop lag are measured by `npm run bench -- --only wrong-signature`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pythonJsonDumps } from '../src/ingress/python-json-dumps';
import { deepBody } from '../scripts/bench/wrong-signature';
import { postRaw } from './helpers/ingress';
import { sampleOrder } from './helpers/sample-order';
import { useTestSystem } from './helpers/system';
import { deliverOrder } from './helpers/webhook';

const WRONG = 'ab'.repeat(32);

/** Bodies nested at, around and far past Python's depth limit; about 1 MB each but the small ones. */
const BODIES: Array<[string, Buffer]> = [
  ['1 MB nested 990 deep (valid JSON)', deepBody()],
  ['1,000 deep arrays', Buffer.from('['.repeat(1000) + ']'.repeat(1000))],
  ['1,001 deep arrays', Buffer.from('['.repeat(1001) + ']'.repeat(1001))],
  ['500,000 deep arrays', Buffer.from('['.repeat(500_000) + ']'.repeat(500_000))],
  ['190,000 deep objects, never closed', Buffer.from('{"a":'.repeat(190_000))],
];

/** Calls `fn` with only about `frames` frames of a small function left before the stack overflows. */
function nearStackEnd<T>(frames: number, fn: () => T): T {
  // One function both measures the stack and descends it, so both walks take frames of one size.
  let deepest = 0;
  const walk = (n: number, target: number): T => {
    deepest = n;
    return n >= target ? fn() : walk(n + 1, target);
  };
  try {
    walk(0, Number.POSITIVE_INFINITY);
  } catch {
    // RangeError: the stack holds `deepest` frames of walk.
  }
  return walk(0, deepest - frames);
}

void describe('the Python-form re-serialiser', () => {
  void it("reads a document at Python's depth limit with almost no stack left (no recursion per level)", () => {
    const deepest = '['.repeat(998) + '{"a": [1.0, "\\u00fc"]}' + ']'.repeat(998); // the 1.0 at depth 1,000
    const expected = pythonJsonDumps(deepest);
    // A reader recursing per level needs thousands of frames here; 500 small ones are left.
    assert.equal(
      nearStackEnd(500, () => pythonJsonDumps(deepest)),
      expected,
    );
    assert.throws(() => nearStackEnd(500, () => pythonJsonDumps(`[${deepest}]`)), /nested deeper than 1000 levels/);
  });
});

void describe('deeply nested bodies with a wrong signature', () => {
  const system = useTestSystem();

  for (const form of ['auto', 'raw', 'python'] as const) {
    void it(`${form} form: every one is 403 while /healthz keeps answering; a signed order is taken after`, async () => {
      await system.restartRelay({ APICBASE_SIGNATURE_FORM: form });
      const { baseUrl } = system;
      let sending = true;
      let healthChecks = 0;
      const health = (async () => {
        while (sending) {
          const res = await fetch(`${baseUrl}/healthz`);
          assert.equal(res.status, 200, await res.text());
          healthChecks++;
        }
      })();
      // Several at once, twice each: the server is busy with them together.
      const answers = await Promise.all(
        [...BODIES, ...BODIES].map(
          async ([what, body]) =>
            [
              what,
              await postRaw(baseUrl, '/webhooks/apicbase/orders', body, {
                'content-type': 'application/json',
                'x-apic-webhook-signature': WRONG,
              }),
            ] as const,
        ),
      );
      sending = false;
      await health;
      for (const [what, answer] of answers)
        assert.deepEqual([what, answer.status, answer.json], [what, 403, { error: 'Incorrect signature' }]);
      assert.ok(healthChecks > 0, '/healthz was asked while the bodies arrived');
      assert.equal((await fetch(`${baseUrl}/healthz`)).status, 200);
      const order = sampleOrder();
      const accepted = await deliverOrder(baseUrl, order, { form: form === 'python' ? 'python' : 'raw' });
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    });
  }
});
