// order-relay's webhook under load: new signed orders from `senders` concurrent Apicbase-side senders,
// in one ack mode, against a relay of its own (own task queue). When the load stops it waits until every
// started order is WAITING_FOR_SHIPMENT and what Hublify received agrees (scripts/bench/deliveries.ts).
import { randomUUID } from 'node:crypto';
import type { ApicbaseOrder } from '../../src/apicbase/order';
import { signApicbasePayload } from '../../src/ingress/apicbase-signature';
import { ordersPerSecondIntoHublify, settledDeliveries, type DeliveryCheck } from './deliveries';
import { loadHttp, type LoadResult } from './load';
import { BENCH_WEBHOOK_SECRET, type BenchSystem } from './system';
import { benchOrder } from './orders';

export type AckMode = 'accepted' | 'verified';

export interface WebhookRun {
  ackMode: AckMode;
  senders: number;
  load: LoadResult;
  /** Seconds after the load stopped until every started order was waiting for shipment. */
  drainSeconds: number;
  ordersPerSecondIntoHublify: number;
  delivery: DeliveryCheck;
}

export async function runWebhook(
  system: BenchSystem,
  ackMode: AckMode,
  senders: number,
  durationSeconds: number,
  drainTimeoutMs: number,
  overallRate?: number,
): Promise<WebhookRun> {
  const run = `${ackMode}-${senders}-${randomUUID().slice(0, 6)}`;
  const { relay, baseUrl, taskQueue } = await system.startRelay({
    WEBHOOK_ACK_MODE: ackMode,
    TEMPORAL_TASK_QUEUE: `bench-${run}`,
  });
  try {
    system.sandbox.reset();
    let n = 0;
    const acknowledged: string[] = [];
    const started = Date.now();
    const load = await loadHttp({
      url: baseUrl,
      path: '/webhooks/apicbase/orders',
      connections: senders,
      durationSeconds,
      overallRate,
      request: () => signedOrder(benchOrder(`B${run}`, ++n)),
      onResponse: (status, body) => {
        if (status === 200) acknowledged.push((JSON.parse(body) as { orderNumber: string }).orderNumber);
      },
    });
    const loadEnded = Date.now();
    const delivery = await settledDeliveries({
      client: system.client,
      taskQueue,
      sandbox: system.sandbox,
      acknowledged,
      settled: 'OrderStage = "WAITING_FOR_SHIPMENT"',
      what: `${acknowledged.length} acknowledged orders to wait for shipment`,
      timeoutMs: drainTimeoutMs,
    });
    const drainSeconds = Math.round((Date.now() - loadEnded) / 100) / 10;
    return {
      ackMode,
      senders,
      load,
      drainSeconds,
      ordersPerSecondIntoHublify: ordersPerSecondIntoHublify(system.sandbox, started),
      delivery,
    };
  } finally {
    await relay.close();
  }
}

export function signedOrder(order: ApicbaseOrder): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(order);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-apic-webhook-signature': signApicbasePayload(BENCH_WEBHOOK_SECRET, body),
    },
  };
}
