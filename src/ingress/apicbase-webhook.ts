// POST /webhooks/apicbase/orders — where an order enters.
// Apicbase never retries and shows the customer any non-2xx, so every request ends in exactly one of:
//   2xx  durably accepted (Temporal has the workflow), 4xx  the customer must fix it, 5xx  not accepted.
import { setMaxListeners } from 'node:events';
import express, { Router, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { apicbaseOrderSchema, describeIssues, orderWorkflowId, type ApicbaseOrder } from '../apicbase/order';
import type { CustomerDirectory } from '../customers/directory';
import { findCustomer } from '../customers/directory';
import type { HttpMetrics } from '../http/metrics';
import {
  confirmRejectionShown,
  startOrder,
  startOrderAndAwaitVerdict,
  withinDeadline,
  type OrderStarterDeps,
} from '../orders/start-order';
import type { RefusalReason, RefusalRecord } from '../store/order-store';
import { verificationIssues } from '../../activities/verify-order';
import {
  signatureFormsFor,
  verifyApicbaseSignature,
  type SignatureForm,
  type SignatureFormSetting,
} from './apicbase-signature';
import { workflowUiLink } from './web-ui-link';

export interface ApicbaseWebhookOptions {
  client: Client;
  starter: OrderStarterDeps;
  secrets: () => string[];
  /** APICBASE_SIGNATURE_FORM: which form(s) of the signature are checked (src/ingress/apicbase-signature.ts). */
  signatureForm: SignatureFormSetting;
  customers: () => CustomerDirectory;
  ackMode: 'accepted' | 'verified';
  acceptDeadlineMs: number;
  verifyDeadlineMs: number;
  bodyLimit: string;
  webUiBaseUrl: string | undefined;
  namespace: string;
  metrics: HttpMetrics;
  logger: Logger;
  /** Keeps every refused order (422) without personal data, so support finds it by its number (the order store). */
  recordRefusal?: (record: RefusalRecord) => Promise<void>;
}

export const APICBASE_WEBHOOK_PATH = '/webhooks/apicbase/orders';

export function apicbaseWebhookRoutes(opts: ApicbaseWebhookOptions): Router {
  const router = Router();
  const forms = signatureFormsFor(opts.signatureForm);
  // Said once, at start: each refused delivery then only gets 503 `not configured`.
  if (opts.secrets().length === 0) {
    opts.logger.error(
      `APICBASE_WEBHOOK_SECRET is not set: ${APICBASE_WEBHOOK_PATH} answers every delivery 503 "not configured"`,
    );
  }
  // Raw bytes: the signature may be over the exact bytes Apicbase sent.
  const rawBody = express.raw({ type: () => true, limit: opts.bodyLimit });
  router.post(APICBASE_WEBHOOK_PATH, rawBody, (req: Request, res: Response) => handle(opts, forms, req, res));
  return router;
}

/** What a 422 leaves in the order store: which order, and why as paths and codes (no values). */
type Refusal = Omit<RefusalRecord, 'refusedAt'>;
type Answer = { status: number; body: Record<string, unknown>; outcome: string; refusal?: Refusal };

/** One rule for every refused order (issue 26.2): a record before the 422 goes out, so support can look it up at once. */
async function keepRefusal(opts: ApicbaseWebhookOptions, req: Request, refusal: Refusal): Promise<void> {
  if (!opts.recordRefusal) return;
  // The customer's answer does not depend on the record: a store that fails is logged (no order data), not answered.
  await opts.recordRefusal({ ...refusal, refusedAt: new Date().toISOString() }).catch((err: unknown) => {
    req.log.warn(
      { err: (err as Error).message, workflowId: refusal.workflowId },
      'refused order not recorded in the order store',
    );
  });
}

/** An identifier from a body that failed the schema: kept only when it is a short plain string. */
function identifier(json: unknown, key: 'order_number' | 'id'): string | null {
  const value = json && typeof json === 'object' ? (json as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' && value.length > 0 && value.length <= 200 ? value : null;
}

async function handle(
  opts: ApicbaseWebhookOptions,
  forms: SignatureForm[],
  req: Request,
  res: Response,
): Promise<void> {
  const started = process.hrtime.bigint();
  const answer = await decide(opts, forms, req);
  if (answer.refusal) await keepRefusal(opts, req, answer.refusal);
  opts.metrics.acceptLatency.observe({ outcome: answer.outcome }, Number(process.hrtime.bigint() - started) / 1e9);
  req.log.info(
    { status: answer.status, outcome: answer.outcome, workflowId: answer.body.workflowId },
    'apicbase order answered',
  );
  res.status(answer.status).json(answer.body);
}

async function decide(opts: ApicbaseWebhookOptions, forms: SignatureForm[], req: Request): Promise<Answer> {
  const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const secrets = opts.secrets();
  // The supplier's missing setting, not the sender's fault: no 4xx that would blame Apicbase.
  if (secrets.length === 0) return { status: 503, outcome: 'not-configured', body: { error: 'not configured' } };

  // 1. Who sent it. Nothing about an unsigned request is parsed or logged; its cost is bounded (raw
  // HMAC first, the Python form only for small bodies) and counted.
  const signature = verifyApicbaseSignature({
    rawBody: body,
    signature: req.get('x-apic-webhook-signature'),
    secrets,
    forms,
    onWork: (work, bytes) => opts.metrics.preAuthWorkBytes.inc({ work }, bytes),
  });
  if (!signature.ok) {
    opts.metrics.signatureFailures.inc({ reason: signature.reason });
    return { status: 403, outcome: 'bad-signature', body: { error: 'Incorrect signature' } };
  }

  // 2. What it is. Apicbase does not document its Content-Type: a signed body is read as JSON whatever
  // the header says; only a body that is not JSON (or not UTF-8) is refused.
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body));
  } catch (err) {
    const why = err instanceof SyntaxError ? err.message : 'the body is not UTF-8';
    return { status: 400, outcome: 'malformed', body: { error: `Malformed JSON: ${why}` } };
  }
  const parsed = apicbaseOrderSchema.safeParse(json);
  if (!parsed.success) {
    const reasons: RefusalReason[] = parsed.error.issues.map((i) => ({
      path: i.path.length ? i.path.join('.') : '(body)',
      code: i.code,
    }));
    return {
      status: 422,
      outcome: 'invalid',
      body: { error: 'The order does not have the expected structure', problems: describeIssues(parsed.error) },
      refusal: {
        orderNumber: identifier(json, 'order_number'),
        apicbaseId: identifier(json, 'id'),
        workflowId: null,
        reasons,
      },
    };
  }
  const order = parsed.data;
  const customerProblem = findCustomer(opts.customers(), order.supplier_customer_number)
    ? undefined
    : `supplier_customer_number "${order.supplier_customer_number}" is not set up as a customer location at this supplier`;
  if (customerProblem) {
    return {
      status: 422,
      outcome: 'unknown-customer',
      body: { error: 'The order cannot be accepted', problems: [customerProblem], orderNumber: order.order_number },
      refusal: {
        orderNumber: order.order_number,
        apicbaseId: order.id,
        workflowId: null,
        reasons: [{ path: 'supplier_customer_number', code: 'unknown_customer' }],
      },
    };
  }

  // 3. Durable acceptance.
  const workflowId = orderWorkflowId(order.id);
  const link = workflowUiLink(opts.webUiBaseUrl, opts.namespace, workflowId);
  const base = { workflowId, orderNumber: order.order_number, ...(link ? { webUi: link } : {}) };
  try {
    return opts.ackMode === 'verified'
      ? await acceptVerified(opts, order, base)
      : await acceptStarted(opts, order, base);
  } catch (err) {
    // Whatever went wrong, Temporal does not have the order: say so, so the customer sends it again.
    req.log.warn({ workflowId, err: (err as Error).message }, 'order not accepted: Temporal unavailable or too slow');
    return {
      status: 503,
      outcome: 'unavailable',
      body: { ...base, error: 'The order could not be accepted right now; please send it again shortly' },
    };
  }
}

async function acceptStarted(
  opts: ApicbaseWebhookOptions,
  order: ApicbaseOrder,
  base: Record<string, unknown>,
): Promise<Answer> {
  const result = await withinDeadline(opts.client, opts.acceptDeadlineMs, () =>
    startOrder(opts.starter, order, 'webhook'),
  );
  if (result.alreadyFinished) opts.metrics.duplicates.inc();
  // A finished order (shipped, cancelled by support…) is not started again: its last stage says why.
  return {
    status: 200,
    outcome: 'accepted',
    body: { ...base, stage: result.alreadyFinished ? (result.finalStage ?? 'ALREADY_PROCESSED') : 'RECEIVED' },
  };
}

async function acceptVerified(
  opts: ApicbaseWebhookOptions,
  order: ApicbaseOrder,
  base: Record<string, unknown>,
): Promise<Answer> {
  const deadline = AbortSignal.timeout(opts.verifyDeadlineMs);
  setMaxListeners(0, deadline); // one listener per RPC (update-with-start, then its polls): not a leak
  // The gRPC deadline only stops the SDK's retries once we have given up (see withinDeadline).
  const answerBy = Date.now() + opts.verifyDeadlineMs;
  const grpcDeadline = answerBy + 250;
  try {
    const { verdict, alreadyFinished } = await opts.client.withDeadline(grpcDeadline, () =>
      startOrderAndAwaitVerdict(opts.starter, order, 'webhook', deadline, answerBy),
    );
    if (alreadyFinished) opts.metrics.duplicates.inc();
    if (verdict.pending) {
      // The workflow answered before our deadline without a verdict: it knows a later rejection was not seen.
      return acceptedLate(base, verdict.stage);
    }
    if (!verdict.accepted) {
      if (!alreadyFinished) {
        // The run ends REJECTED only on this word that the customer is shown the 422; without it
        // (Temporal did not take it in time) the answer is the late verdict's 202 and support decides.
        if (!(await confirmRejectionShown(opts.client, String(base.workflowId), opts.acceptDeadlineMs)))
          return acceptedLate(base, 'RECEIVED');
        await rejectedWorkflowClosed(opts, String(base.workflowId));
      }
      // The workflow's reasons quote values; the record keeps the same checks' paths and codes.
      const checks = verificationIssues(order, opts.customers()).map(({ path, code }) => ({ path, code }));
      const reasons = checks.length ? checks : [{ path: '(order)', code: 'rejected' }];
      return {
        status: 422,
        outcome: 'rejected',
        body: { ...base, stage: verdict.stage, error: 'The order was rejected', problems: verdict.reasons },
        refusal: {
          orderNumber: order.order_number,
          apicbaseId: order.id,
          workflowId: String(base.workflowId),
          reasons,
        },
      };
    }
    return { status: 200, outcome: 'verified', body: { ...base, stage: verdict.stage } };
  } catch (err) {
    // The verdict is late, or Temporal refused the update (e.g. while the workflow's task is being retried
    // after a worker died in it: "Workflow Task in failed state"). 2xx only if Temporal has the workflow
    // (a redelivery of an order it holds loses nothing); otherwise this is a 503.
    const state = await withinDeadline(opts.client, opts.acceptDeadlineMs, () =>
      opts.client.workflow.getHandle(String(base.workflowId)).describe(),
    )
      .then((d) => d.status.name)
      .catch(() => undefined);
    if (state === 'RUNNING') return acceptedLate(base, 'RECEIVED');
    if (state === 'COMPLETED') {
      // A finished order cannot run again (the reuse policy only allows it after a failure): it was
      // processed, only its status query was late (e.g. no worker to answer it).
      opts.metrics.duplicates.inc();
      return { status: 200, outcome: 'accepted', body: { ...base, stage: 'ALREADY_PROCESSED' } };
    }
    // Not found, or an earlier run that failed / was cancelled: this delivery did not start anything.
    if (!deadline.aborted) throw err;
    throw new Error('Temporal did not accept the start in time');
  }
}

/** 202: the order is accepted, its verdict not shown (the workflow knows, and a later rejection waits for support). */
function acceptedLate(base: Record<string, unknown>, stage: string): Answer {
  return {
    status: 202,
    outcome: 'accepted-late',
    body: { ...base, stage, note: 'Accepted; verification is still running' },
  };
}

/**
 * A rejected workflow fails right after answering the verdict. Waiting (briefly) for that before
 * answering 422 means the customer can re-place the fixed order at once: otherwise a quick re-place
 * joins the still-running rejected workflow and gets the old reasons again.
 */
async function rejectedWorkflowClosed(opts: ApicbaseWebhookOptions, workflowId: string): Promise<void> {
  // WorkflowFailedError is the expected outcome; a timeout changes nothing about the verdict.
  await withinDeadline(opts.client, opts.acceptDeadlineMs, () =>
    opts.client.workflow.getHandle(workflowId).result(),
  ).catch(() => undefined);
}
