// The soak in CI (#15.3): two minutes of webhook orders with a fixed seed while Hublify fails and the
// worker, the API and the Temporal dev server are SIGKILLed and restarted (scripts/soak/). Every
// promise is checked by the reckoning: each accepted order has exactly one workflow and one Hublify
// order, every shipment is recorded, no refused order has a workflow, nothing is stuck.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { printReckoning } from '../scripts/soak/reckoning';
import { runSoak } from '../scripts/soak/run-soak';

void it('a two-minute soak with faults keeps every promise (seed 20261126)', async () => {
  const lines: string[] = [];
  const reckoning = await runSoak({ minutes: 2, rate: 2, seed: 20261126, log: (line) => lines.push(line) });
  printReckoning(reckoning, (line) => lines.push(line));
  assert.ok(reckoning.ok, lines.join('\n'));
  // The run really loaded and broke things: orders accepted and refused, each process killed.
  assert.ok(reckoning.orders.answered2xx > 100, lines.join('\n'));
  assert.ok(reckoning.orders.answered4xx > 0);
  for (const kind of ['kill-worker', 'kill-api', 'kill-temporal']) assert.ok(reckoning.faults.includes(kind), kind);
  assert.ok(reckoning.shippedInHublify > 0 && reckoning.shippedInStore === reckoning.shippedInHublify);
});
