// /healthz: the process lives. /readyz: every readiness check passes (Temporal reachable, worker
// running), else 503 naming what is not ready. Load balancers and docker-compose use these.
import { Router } from 'express';

export type ReadinessCheck = { name: string; check: () => Promise<boolean> };

export function healthRoutes(checks: ReadinessCheck[], timeoutMs = 2_000): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          const ok = await Promise.race([
            check(),
            new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref()),
          ]);
          return [name, ok] as const;
        } catch {
          return [name, false] as const;
        }
      }),
    );
    const ready = results.every(([, ok]) => ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  return router;
}
