// The HTTP face of the sandbox's control operations, under /_sandbox (no token: loopback tooling).
// Every route calls the same SandboxControl method an in-process test would.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { SandboxControlError, type SandboxControl } from './control';

/** What GET /_sandbox/info says: which sandbox this is (never its token, only whether it is the documented one). */
export interface SandboxInfo {
  sandbox: 'hublify';
  channel: string;
  /** True when the channel token is the documented `sandbox-token`. */
  documentedToken: boolean;
  /** Who runs it: `npm start` (embedded) or `npm run sandbox:hublify`. */
  runBy: string;
  /** True when the orders are kept in a file across restarts. */
  persistent: boolean;
}

export function controlApiRouter(control: SandboxControl, info: () => SandboxInfo): Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));

  router.get('/info', (_req, res) => {
    res.json(info());
  });

  router.get('/orders', (_req, res) => {
    res.json({ orders: control.orders(), requestCounts: control.requestCounts() });
  });
  // How many order_create calls an order caused (by o_orderid_external): what "injected once" is checked on.
  router.get('/create-calls/:orderidExternal', (req, res) => {
    res.json({
      orderidExternal: req.params.orderidExternal,
      orderCreateCalls: control.orderCreateCalls(req.params.orderidExternal),
    });
  });
  router.get('/orders/:id', (req, res) => {
    const order = control.order(req.params.id);
    if (order) res.json(order);
    else res.status(404).json({ error: `No order ${JSON.stringify(req.params.id)} in the sandbox` });
  });
  router.post('/orders/:id/ship', (req, res) => {
    res.json(control.ship(req.params.id, bodyOf(req)));
  });
  router.post('/orders/:id/state', (req, res) => {
    res.json(control.setState(req.params.id, bodyOf(req)));
  });
  router.post('/reset', (_req, res) => {
    control.reset();
    res.status(204).end();
  });
  router.get('/faults', (_req, res) => {
    res.json(control.faults());
  });
  router.post('/faults', (req, res) => {
    res.status(201).json(control.injectFault(bodyOf(req)));
  });
  router.delete('/faults', (_req, res) => {
    control.clearFaults();
    res.status(204).end();
  });

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof SandboxControlError) res.status(err.httpStatus).json({ error: err.message });
    else if ((err as { type?: unknown } | null)?.type === 'entity.parse.failed')
      res.status(400).json({ error: 'Invalid JSON in request body' });
    else next(err);
  });
  router.use((req: Request, res: Response) => {
    res.status(404).json({ error: `No sandbox control route ${req.method} ${req.baseUrl}${req.path}` });
  });
  return router;
}

/** The JSON body; the operation's own schema checks its shape. */
function bodyOf<T>(req: Request): T {
  return (req.body ?? {}) as T;
}
