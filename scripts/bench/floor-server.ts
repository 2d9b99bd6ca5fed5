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
  app.post('/', express.json({ limit: '1mb' }), (_req, res, next) => {
    handle().then(
      () => res.status(200).json({ ok: true }),
      (err: unknown) => next(err),
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
