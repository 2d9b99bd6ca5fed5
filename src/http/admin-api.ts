// The admin HTTP API: the operator CLI's operations over HTTP, under /admin/…, for a support tool or
// a script. Bearer-token protected (ADMIN_TOKEN, compared in constant time); without ADMIN_TOKEN it
// answers 503 and does nothing — it is never open. Answers are JSON; no configuration value and no
// secret is ever part of one.
//   GET  /admin/orders?stage=&customer=&since=&needsAttention=&overdue=&running=&limit=
//   GET  /admin/orders/:ref                      (order number or Apicbase id)
//   POST /admin/orders/:ref/cancel  {"reason", "stopTracking"?}   (409 when Hublify holds the order)
//   POST /admin/orders/:ref/retry   {"note"?}
//   POST /admin/orders/:ref/poll
//   POST /admin/orders/:ref/amend   {"order"?: {field: value|null}, "orderitems"?: [...], "note"?}   (202 while pending)
//   POST /admin/orders/replay       {"order": <Apicbase purchase order>}
//   GET  /admin/customers/check
//   GET  /admin/doctor
import express, {
  Router,
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { ConnectionLike } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../config';
import type { CustomerDirectoryState } from '../customers/directory-watcher';
import { bearerToken, sameSecret } from '../same-secret';
import type { OperationsContext } from '../operations/context';
import { checkCustomerDirectory } from '../operations/customers';
import { runDoctor } from '../operations/doctor';
import { OperationError, httpStatusFor, toOperationError } from '../operations/errors';
import {
  NOTHING_CANCELLED,
  amendOrder,
  cancelOrder,
  pollOrder,
  replayOrder,
  retryOrder,
} from '../operations/order-actions';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, listOrders, showOrderOrRefusal } from '../operations/orders';
import { parseSince, parseStage } from '../operations/visibility-query';

export const ADMIN_PATH = '/admin';

export interface AdminApiOptions {
  /** ADMIN_TOKEN; undefined: every request gets 503. */
  token: string | undefined;
  ops: OperationsContext;
  config: Config;
  /** The relay's Temporal connection (doctor checks it). */
  connection: ConnectionLike;
  /** The relay's live customer directory: doctor and customers/check report what it uses. */
  customerDirectory?: () => CustomerDirectoryState;
  /** Body size limit (a replayed order is the largest body). */
  bodyLimit?: string;
}

function authenticate(token: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (!token) {
      res.status(503).json({ error: 'The admin API is not configured: set ADMIN_TOKEN (or ADMIN_TOKEN_FILE)' });
      return;
    }
    if (!sameSecret(bearerToken(req.get('authorization')), token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="order-relay admin"');
      res.status(401).json({ error: 'Missing or wrong bearer token' });
      return;
    }
    next();
  };
}

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === '');
const oneOrMany = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

const listQuerySchema = z.strictObject({
  stage: oneOrMany.optional(),
  customer: z.string().min(1).optional(),
  since: z.string().min(1).optional(),
  needsAttention: flag.optional(),
  overdue: flag.optional(),
  running: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
});

const cancelSchema = z.object({
  reason: z.string({ error: 'reason is required' }).trim().min(1, 'reason is required'),
  stopTracking: z.boolean().optional(),
});
const retrySchema = z.object({ note: z.string().max(1000).optional() });
const amendSchema = z.strictObject({
  order: z.record(z.string(), z.string().nullable()).optional(),
  orderitems: z.array(z.looseObject({})).optional(),
  note: z.string().max(1000).optional(),
});
const replaySchema = z.object({ order: z.unknown().refine((v) => v !== undefined, 'order is required') });

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : what}: ${i.message}`);
  throw new OperationError('usage', `invalid ${what}: ${problems.join('; ')}`, problems);
}

type Handler = (req: Request) => Promise<{ status?: number; body: unknown }>;

function route(fn: Handler): RequestHandler {
  return async (req: Request, res: Response) => {
    try {
      const { status = 200, body } = await fn(req);
      res.status(status).json(body);
    } catch (err) {
      sendError(req, res, err);
    }
  };
}

function sendError(req: Request, res: Response, err: unknown): void {
  const e = toOperationError(err);
  const status = httpStatusFor(e.kind);
  if (status >= 500 && e.kind !== 'unavailable') req.log.error({ err }, 'admin request failed');
  res.status(status).json({ error: e.message, kind: e.kind, ...(e.problems.length ? { problems: e.problems } : {}) });
}

const refOf = (req: Request) => String(req.params.ref);

export function adminRoutes(opts: AdminApiOptions): Router {
  const admin = Router();
  admin.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  admin.use(authenticate(opts.token));
  admin.use(express.json({ limit: opts.bodyLimit ?? '1mb' }));
  const { ops } = opts;

  admin.get(
    '/orders',
    route(async (req) => {
      const q = parse(listQuerySchema, req.query, 'query');
      const list = await listOrders(
        ops,
        {
          ...(q.stage
            ? {
                stages: q.stage
                  .flatMap((s) => s.split(','))
                  .filter((s) => s.trim())
                  .map(parseStage),
              }
            : {}),
          ...(q.customer !== undefined ? { customerNumber: q.customer } : {}),
          ...(q.since !== undefined ? { since: parseSince(q.since) } : {}),
          ...(q.needsAttention ? { needsAttention: true } : {}),
          ...(q.overdue ? { overdue: true } : {}),
          ...(q.running !== undefined ? { running: q.running } : {}),
        },
        q.limit,
      );
      return { body: list };
    }),
  );

  admin.post(
    '/orders/replay',
    route(async (req) => {
      const { order } = parse(replaySchema, req.body, 'body');
      const result = await replayOrder(ops, order);
      return { status: result.outcome === 'started' ? 201 : 200, body: result };
    }),
  );

  admin.get(
    '/orders/:ref',
    route(async (req) => ({ body: await showOrderOrRefusal(ops, refOf(req)) })),
  );

  admin.post(
    '/orders/:ref/cancel',
    route(async (req) => {
      const { reason, stopTracking } = parse(cancelSchema, req.body, 'body');
      const result = await cancelOrder(ops, refOf(req), reason, { stopTracking: stopTracking === true });
      // Nothing was cancelled (Hublify had the order after all, or could not be asked): 409, as a refusal is.
      if (NOTHING_CANCELLED.has(result.outcome))
        return {
          status: 409,
          body: { ...result, error: `${result.message}: ${result.advice}`, kind: 'conflict' },
        };
      return { status: result.closed ? 200 : 202, body: result };
    }),
  );

  admin.post(
    '/orders/:ref/retry',
    route(async (req) => {
      const { note } = parse(retrySchema, req.body, 'body');
      return { status: 202, body: await retryOrder(ops, refOf(req), note) };
    }),
  );

  admin.post(
    '/orders/:ref/poll',
    route(async (req) => ({ status: 202, body: await pollOrder(ops, refOf(req)) })),
  );

  admin.post(
    '/orders/:ref/amend',
    route(async (req) => {
      const body = parse(amendSchema, req.body, 'body');
      const request = {
        ...(body.order ? { order: body.order } : {}),
        ...(body.orderitems ? { orderitems: body.orderitems } : {}),
        ...(body.note ? { note: body.note } : {}),
      };
      const result = await amendOrder(ops, refOf(req), request);
      return { status: result.pending ? 202 : 200, body: result };
    }),
  );

  admin.get(
    '/customers/check',
    route(() => Promise.resolve({ body: checkCustomerDirectory(opts.config.CUSTOMER_DIRECTORY_FILE) })),
  );

  admin.get(
    '/doctor',
    route(async () => {
      const report = await runDoctor({
        config: opts.config,
        connect: () => Promise.resolve(opts.connection),
        ...(opts.customerDirectory ? { customerDirectory: opts.customerDirectory } : {}),
      });
      return { status: report.ok ? 200 : 503, body: report };
    }),
  );

  admin.use((_req, res) => {
    res.status(404).json({ error: 'Not found' });
  });
  const onError: ErrorRequestHandler = (
    err: { status?: number; message?: string },
    req: Request,
    res: Response,
    _next: NextFunction,
  ) => {
    // body-parser: 400 malformed JSON, 413 too large; anything else goes through the operations' mapping.
    if (typeof err.status === 'number' && err.status < 500) {
      res
        .status(err.status)
        .json({ error: err.status === 413 ? 'Request body too large' : (err.message ?? 'Bad request'), kind: 'usage' });
      return;
    }
    sendError(req, res, err);
  };
  admin.use(onError);

  const router = Router();
  router.use(ADMIN_PATH, admin);
  return router;
}
