// POST /webhooks/hublify/orders — Hublify's outbound webhook (its order_get data) says an order
// changed. It only wakes the order's workflow (signal statusChanged); it never starts anything.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { HttpMetrics } from '../http/metrics';
import { sameSecret } from '../same-secret';
import { statusChangedSignal } from '../../workflows/order-messages';
import { HublifyOrderId, OrderNumber } from '../../workflows/search-attributes';
import { withinDeadline } from '../orders/start-order';
import { OperationError } from '../operations/errors';
import { ORDER_WORKFLOW_TYPE, queryLiteral } from '../operations/visibility-query';

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

type PushData = z.infer<typeof pushSchema>['data'];

/**
 * The running order workflows a push is about: by Hublify's own order id when given (it names one
 * order in Hublify), else — or when no workflow has it yet — by order number. At most two ids: two
 * means the push is ambiguous. Values are quoted by the operator API's one rule (queryLiteral), which
 * refuses what visibility cannot match reliably.
 */
async function findOrderWorkflows(client: Client, data: PushData): Promise<string[]> {
  const running = `WorkflowType = ${queryLiteral(ORDER_WORKFLOW_TYPE)} AND ExecutionStatus = ${queryLiteral('Running')}`;
  const lookups = [
    ...(data.orderid ? [`${HublifyOrderId.name} = ${queryLiteral(data.orderid)}`] : []),
    ...(data.o_orderid_external ? [`${OrderNumber.name} = ${queryLiteral(data.o_orderid_external)}`] : []),
  ];
  for (const clause of lookups) {
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query: `${clause} AND ${running}`, pageSize: 2 })) {
      ids.push(wf.workflowId);
      if (ids.length === 2) break;
    }
    if (ids.length > 0) return ids;
  }
  return [];
}

export function hublifyWebhookRoutes(opts: HublifyWebhookOptions): Router {
  const router = Router();
  // The token is checked before the body is read: an unauthenticated caller costs no JSON parsing.
  // One 401 for a missing, wrong or unconfigured token, so it learns nothing about the setup
  // (`doctor` tells the operator when HUBLIFY_WEBHOOK_TOKEN is not set).
  const authenticated = (req: Request, res: Response, next: NextFunction) => {
    const given =
      req.get('x-hublify-webhook-token') ?? (typeof req.query.token === 'string' ? req.query.token : undefined);
    if (sameSecret(given, opts.token)) return next();
    opts.metrics.hublifyPushes.inc({ outcome: 'unauthorised' });
    res.status(401).json({ error: 'Missing or wrong webhook token' });
  };
  router.post(
    HUBLIFY_WEBHOOK_PATH,
    authenticated,
    express.json({ limit: '256kb' }),
    async (req: Request, res: Response) => {
      const parsed = pushSchema.safeParse(req.body);
      if (!parsed.success) {
        opts.metrics.hublifyPushes.inc({ outcome: 'invalid' });
        res.status(422).json({
          error: 'Expected Hublify order_get data: {"data": {"orderid", "o_orderid_external", "order_state_code"}}',
        });
        return;
      }
      const { data } = parsed.data;
      const unknownOrder = () => {
        opts.metrics.hublifyPushes.inc({ outcome: 'unknown-order' });
        req.log.warn(
          { orderid: data.orderid, o_orderid_external: data.o_orderid_external },
          'Hublify push for an order with no running workflow',
        );
        res.status(404).json({ error: 'No running order matches this push' });
      };
      let workflowId: string | undefined;
      try {
        const found = await withinDeadline(opts.client, opts.deadlineMs ?? 5_000, async () => {
          const ids = await findOrderWorkflows(opts.client, data);
          if (ids.length === 1)
            await opts.client.workflow
              .getHandle(ids[0]!)
              .signal(statusChangedSignal, { ...(data.order_state_code ? { state: data.order_state_code } : {}) });
          return ids;
        });
        if (found.length === 0) return unknownOrder();
        if (found.length > 1) {
          // Waking one at random could let the wrong order's tracking act on this state: signal none.
          opts.metrics.hublifyPushes.inc({ outcome: 'ambiguous' });
          req.log.warn(
            { orderid: data.orderid, o_orderid_external: data.o_orderid_external, workflowIds: found },
            'Hublify push matches more than one running order',
          );
          res.status(409).json({
            error: 'More than one running order matches this push; send its Hublify orderid',
            workflowIds: found,
          });
          return;
        }
        workflowId = found[0];
      } catch (err) {
        if (err instanceof OperationError && err.kind === 'usage') {
          opts.metrics.hublifyPushes.inc({ outcome: 'invalid' });
          res.status(422).json({ error: err.message });
          return;
        }
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
    },
  );
  return router;
}
