// The sandbox's control API under /_sandbox (no token; loopback tooling and tests): place an order
// (delivered by webhook, or left for pulling), look at orders and counters, change an order's
// status or (hooks/between-pages) change orders between two page reads of a walk, schedule faults, tune the rate limit and token lifetime, expire tokens, reset.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { ApicbaseSandbox } from './server';
import { faultSchema, rateLimitSchema } from './limits';
import { SANDBOX_STATUSES } from './state';
import type { ApicbaseOrder } from '../order';

export const placeOrderSchema = z.object({
  /** webhook: POSTed to the configured URL, ORDERED only if it answers 2xx; pull: ORDERED at once. */
  delivery: z.enum(['webhook', 'pull']).optional(),
  customer: z.string().min(1).optional(),
  items: z
    .array(z.object({ article: z.string().min(1), quantity: z.number().int().positive() }))
    .min(1)
    .optional(),
  /** ISO 8601; default now. */
  orderedOn: z.string().optional(),
  bodyStyle: z.enum(['python', 'compact']).optional(),
  /** Any order fields to set as given (id, order_number, packages, …). */
  order: z.record(z.string(), z.unknown()).optional(),
});

export type PlaceOrderRequest = z.infer<typeof placeOrderSchema>;

/** A one-shot change made between two page reads of a walk (ApicbaseSandbox.betweenPages). */
export const betweenPagesHookSchema = z.object({
  /** The first `count` orders of the page just answered get `status` (e.g. DELIVERED: they leave the ORDERED list). */
  changeListed: z.object({ count: z.number().int().positive(), status: z.enum(SANDBOX_STATUSES) }).optional(),
  /** Orders placed for pulling (ORDERED) at that moment. */
  place: z
    .array(placeOrderSchema.omit({ delivery: true, bodyStyle: true }))
    .max(100)
    .optional(),
});

export type BetweenPagesHook = z.infer<typeof betweenPagesHookSchema>;

export interface BetweenPagesOutcome {
  /** Ids on the page after which the hook fired. */
  listed: string[];
  changed: Array<{ id: string; orderNumber: string; status: string }>;
  placed: ApicbaseOrder[];
}

export class SandboxRequestError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

export function controlApiRouter(sandbox: ApicbaseSandbox): Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
  let lastOutcome: BetweenPagesOutcome | undefined;

  router.post('/orders', async (req, res) => {
    res.status(201).json(await sandbox.placeOrder(parse(placeOrderSchema, req.body ?? {})));
  });
  router.get('/orders', (_req, res) => {
    res.json({ orders: sandbox.orders(), stats: sandbox.stats() });
  });
  router.get('/orders/:id', (req, res) => {
    const order = sandbox.order(req.params.id);
    if (order) res.json(order);
    else res.status(404).json({ error: `No order ${JSON.stringify(req.params.id)} in the sandbox` });
  });
  router.post('/orders/:id/deliver', async (req, res) => {
    const { bodyStyle } = parse(z.object({ bodyStyle: z.enum(['python', 'compact']).optional() }), req.body ?? {});
    res.json(await sandbox.redeliver(req.params.id, bodyStyle));
  });
  router.post('/orders/:id/status', (req, res) => {
    const { status } = parse(z.object({ status: z.enum(SANDBOX_STATUSES) }), req.body ?? {});
    res.json(sandbox.setStatus(req.params.id, status));
  });
  // Armed now, fired once: the outcome is logged and shown by GET (tests in-process await the promise).
  router.post('/hooks/between-pages', (req, res) => {
    const hook = parse(betweenPagesHookSchema, req.body ?? {});
    void sandbox.betweenPages(hook).then((outcome) => {
      lastOutcome = outcome;
    });
    lastOutcome = undefined;
    res.status(201).json({ armed: hook });
  });
  router.get('/hooks/between-pages', (_req, res) => {
    res.json({ armed: sandbox.pendingBetweenPages() ?? null, lastFired: lastOutcome ?? null });
  });
  router.get('/stats', (_req, res) => {
    res.json(sandbox.stats());
  });
  router.post('/faults', (req, res) => {
    sandbox.injectFault(parse(faultSchema, req.body ?? {}));
    res.status(201).json(sandbox.faults());
  });
  router.delete('/faults', (_req, res) => {
    sandbox.clearFaults();
    res.status(204).end();
  });
  router.put('/rate-limit', (req, res) => {
    sandbox.setRateLimit(parse(rateLimitSchema, req.body ?? {}));
    res.json(sandbox.rateLimit());
  });
  router.put('/token-lifetime', (req, res) => {
    sandbox.setAccessTokenTtl(
      parse(z.object({ accessTokenTtlMs: z.number().int().positive() }), req.body ?? {}).accessTokenTtlMs,
    );
    res.status(204).end();
  });
  router.post('/tokens/expire', (_req, res) => {
    res.json({ expired: sandbox.expireAccessTokens() });
  });
  router.post('/reset', (_req, res) => {
    sandbox.reset();
    res.status(204).end();
  });

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof SandboxRequestError) res.status(err.httpStatus).json({ error: err.message });
    else if ((err as { type?: unknown } | null)?.type === 'entity.parse.failed')
      res.status(400).json({ error: 'Invalid JSON in request body' });
    else next(err);
  });
  router.use((req: Request, res: Response) => {
    res.status(404).json({ error: `No sandbox control route ${req.method} ${req.baseUrl}${req.path}` });
  });
  return router;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new SandboxRequestError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
      400,
    );
  return parsed.data;
}
