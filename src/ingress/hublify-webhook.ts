// POST /webhooks/hublify/orders — Hublify's outbound webhook (its order_get data) says an order
// changed. It only wakes the order's workflow (signal statusChanged); it never starts anything.
import express, { Router, type Request, type Response } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { HttpMetrics } from '../http/metrics';
import { sameSecret } from '../same-secret';
import { statusChangedSignal } from '../../workflows/order-messages';
import { HublifyOrderId, OrderNumber } from '../../workflows/search-attributes';
import { withinDeadline } from '../orders/start-order';

export const HUBLIFY_WEBHOOK_PATH = '/webhooks/hublify/orders';

const pushSchema = z.object({
  data: z.looseObject({
    orderid: z.string().optional(),
    o_orderid_external: z.string().nullable().optional(),
    order_state_code: z.string().optional(),
  }),
});

export interface HublifyWebhookOptions {
  client: Client;
  token: string | undefined;
  metrics: HttpMetrics;
  /** How long to wait for Temporal (lookup and signal together) before answering 503; default 5 s. */
  deadlineMs?: number;
}


/** Escapes a value for a Temporal visibility query string literal. */
const literal = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

async function findOrderWorkflow(client: Client, data: z.infer<typeof pushSchema>['data']): Promise<string | undefined> {
  const clauses = [
    ...(data.o_orderid_external ? [`${OrderNumber.name} = ${literal(data.o_orderid_external)}`] : []),
    ...(data.orderid ? [`${HublifyOrderId.name} = ${literal(data.orderid)}`] : []),
  ];
  if (clauses.length === 0) return undefined;
  for await (const wf of client.workflow.list({ query: `(${clauses.join(' OR ')}) AND ExecutionStatus = "Running"` })) {
    return wf.workflowId;
  }
  return undefined;
}

export function hublifyWebhookRoutes(opts: HublifyWebhookOptions): Router {
  const router = Router();
  router.post(HUBLIFY_WEBHOOK_PATH, express.json({ limit: '256kb' }), async (req: Request, res: Response) => {
    const given = req.get('x-hublify-webhook-token') ?? (typeof req.query.token === 'string' ? req.query.token : undefined);
    if (!sameSecret(given, opts.token)) {
      opts.metrics.hublifyPushes.inc({ outcome: 'unauthorised' });
      res.status(401).json({ error: opts.token ? 'Missing or wrong webhook token' : 'HUBLIFY_WEBHOOK_TOKEN is not configured' });
      return;
    }
    const parsed = pushSchema.safeParse(req.body);
    if (!parsed.success) {
      opts.metrics.hublifyPushes.inc({ outcome: 'invalid' });
      res.status(422).json({ error: 'Expected Hublify order_get data: {"data": {"orderid", "o_orderid_external", "order_state_code"}}' });
      return;
    }
    const { data } = parsed.data;
    const unknownOrder = () => {
      opts.metrics.hublifyPushes.inc({ outcome: 'unknown-order' });
      req.log.warn({ orderid: data.orderid, o_orderid_external: data.o_orderid_external }, 'Hublify push for an order with no running workflow');
      res.status(404).json({ error: 'No running order matches this push' });
    };
    let workflowId: string | undefined;
    try {
      workflowId = await withinDeadline(opts.client, opts.deadlineMs ?? 5_000, async () => {
        const id = await findOrderWorkflow(opts.client, data);
        if (id) await opts.client.workflow.getHandle(id).signal(statusChangedSignal, { ...(data.order_state_code ? { state: data.order_state_code } : {}) });
        return id;
      });
      if (!workflowId) return unknownOrder();
    } catch (err) {
      // The workflow closed between the lookup and the signal: nothing is waiting for this push.
      if (err instanceof WorkflowNotFoundError) return unknownOrder();
      // Temporal unreachable: a 5xx so that Hublify (if it retries) delivers the push again.
      opts.metrics.hublifyPushes.inc({ outcome: 'unavailable' });
      req.log.warn({ workflowId, err: (err as Error).message }, 'Hublify push not delivered: Temporal unavailable');
      res.status(503).json({ error: 'The push could not be delivered right now; please send it again shortly' });
      return;
    }
    opts.metrics.hublifyPushes.inc({ outcome: 'signalled' });
    res.status(202).json({ workflowId, signalled: 'statusChanged' });
  });
  return router;
}
