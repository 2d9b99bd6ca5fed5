// The sandbox's supplier API: GET /api/v2/integrations/suppliers/purchase_orders/ (status and
// ordered_on__gt filters, page/page_size pagination in DRF's {count, next, previous, results}
// envelope, newest first unless `ordering` says otherwise, e.g. `ordered_on,id`) and PATCH …/purchase_orders/<id>/ to mark an order fetched or viewed.
// Bearer tokens from the sandbox's OAuth server; a per-user rate limit answered 429 + Retry-After.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { PURCHASE_ORDERS_PATH } from '../api-client';
import { FaultSchedule, RateLimiter } from './limits';
import type { SandboxOAuthServer } from './oauth-server';
import { SandboxOrders, listQuerySchema, sandboxInstant, type SandboxPurchaseOrder, type SandboxStats } from './state';

export interface SandboxApiDeps {
  orders: SandboxOrders;
  oauth: SandboxOAuthServer;
  limiter: RateLimiter;
  faults: FaultSchedule;
  stats: SandboxStats;
  /** When each API request arrived (the latest 1000), to check a caller's pace. */
  requestLog: number[];
  now: () => number;
  defaultPageSize: number;
  maxPageSize: number;
  /** After each list answer (before it is sent): the orders on the page, and whether a next page follows. */
  pageAnswered?: (listed: SandboxPurchaseOrder[], hasNext: boolean) => void;
}

const MARKS = ['fetched_by_supplier', 'viewed_by_supplier'] as const;

export function supplierApiRouter(deps: SandboxApiDeps): Router {
  const router = Router();

  // Every API request: counted, faults, token, then the rate limit (per user, as Apicbase's is).
  const gate = (kind: 'list' | 'patch') => (req: Request, res: Response, next: NextFunction) => {
    deps.stats.requests[kind] += 1;
    deps.requestLog.push(deps.now());
    if (deps.requestLog.length > 1000) deps.requestLog.splice(0, deps.requestLog.length - 1000);
    const fault = deps.faults.take(deps.now());
    if (fault) {
      deps.stats.faulted += 1;
      if (fault.kind === 'http429')
        res
          .set('Retry-After', String(fault.retryAfterSeconds ?? 1))
          .status(429)
          .json({ detail: 'Request was throttled.' });
      else res.status(500).type('html').send('<h1>Server Error (500)</h1>');
      return;
    }
    const auth = deps.oauth.authenticate(req.get('authorization'));
    if (!auth.ok) {
      deps.stats.unauthorized += 1;
      if (auth.reason === 'expired') deps.stats.expiredTokenUses += 1;
      const detail =
        auth.reason === 'missing'
          ? 'Authentication credentials were not provided.'
          : auth.reason === 'expired'
            ? 'Access token expired.'
            : 'Invalid token.';
      res.set('WWW-Authenticate', 'Bearer realm="api"').status(401).json({ detail });
      return;
    }
    const verdict = deps.limiter.take(auth.user, deps.now());
    if (!verdict.ok) {
      deps.stats.throttled += 1;
      res
        .set('Retry-After', String(verdict.retryAfterSeconds))
        .status(429)
        .json({ detail: `Request was throttled. Expected available in ${verdict.retryAfterSeconds} seconds.` });
      return;
    }
    next();
  };

  router.get(PURCHASE_ORDERS_PATH, gate('list'), (req, res) => {
    const parsed = listQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      res.status(400).json(Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), [i.message]])));
      return;
    }
    const q = parsed.data;
    if (q.ordered_on__gt !== undefined && sandboxInstant(q.ordered_on__gt) === -Infinity) {
      res.status(400).json({ ordered_on__gt: ['Enter a valid date/time.'] });
      return;
    }
    const pageSize = Math.min(q.page_size ?? deps.defaultPageSize, deps.maxPageSize);
    const rows = deps.orders.query(q);
    const pages = Math.max(1, Math.ceil(rows.length / pageSize));
    if (q.page > pages) {
      res.status(404).json({ detail: 'Invalid page.' });
      return;
    }
    const link = (page: number) => {
      const url = new URL(`${req.protocol}://${req.get('host')}${req.originalUrl}`);
      url.searchParams.set('page', String(page));
      return url.toString();
    };
    const listed = rows.slice((q.page - 1) * pageSize, q.page * pageSize);
    const body = {
      count: rows.length,
      next: q.page < pages ? link(q.page + 1) : null,
      previous: q.page > 1 ? link(q.page - 1) : null,
      results: listed.map((e) => SandboxOrders.listed(e)),
    };
    deps.pageAnswered?.(listed, body.next !== null);
    res.json(body);
  });

  router.patch(
    `${PURCHASE_ORDERS_PATH}:id/`,
    gate('patch'),
    express.json({ limit: '100kb' }),
    (req: Request<{ id: string }>, res) => {
      const entry = deps.orders.get(req.params.id);
      if (!entry || entry.order.id !== req.params.id) {
        res.status(404).json({ detail: 'Not found.' });
        return;
      }
      const body = (req.body ?? {}) as Record<string, unknown>;
      const given = MARKS.filter((m) => m in body);
      if (given.length === 0 || given.some((m) => body[m] !== true)) {
        // Both marks are one-way: only `true` is accepted.
        res.status(400).json({ detail: `expected ${MARKS.map((m) => `"${m}": true`).join(' or ')}` });
        return;
      }
      for (const m of given) entry[m] = true;
      entry.patches.push({ at: new Date(deps.now()).toISOString(), body });
      deps.orders.changed();
      res.json(SandboxOrders.listed(entry));
    },
  );

  return router;
}
