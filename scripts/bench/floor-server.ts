// A bare express server for the floor runs: POST / runs `handle` and answers 200, so a floor is loaded
// through the same HTTP stack and load tool as order-relay's webhook.
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface FloorServer {
  url: string;
  close(): Promise<void>;
}

export async function startFloorServer(handle: () => Promise<unknown>): Promise<FloorServer> {
  const app = express();
  app.post('/', express.json({ limit: '1mb' }), (_req, res) => {
    // A failure is a non-2xx in the run's figures. Not logged: calls the load generator cut at the end
    // (an update still waiting on a floor worker that has stopped) only fail when the bench closes its
    // connection, after the run.
    handle().then(
      () => res.status(200).json({ ok: true }),
      (err: unknown) => {
        if (!res.headersSent && !res.destroyed) res.status(500).json({ error: (err as Error).message });
      },
    );
  });
  return serveFloor(app);
}

/** Listens on a free loopback port; close() drops open connections. */
export async function serveFloor(app: express.Express): Promise<FloorServer> {
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s)).once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
