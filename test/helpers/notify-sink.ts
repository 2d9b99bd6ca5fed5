// A real HTTP server on loopback that receives support notifications (as Slack's incoming webhook
// would) and records every request it got. `status` sets what it answers, so tests can make it fail.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotice {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  status: number;
}

export interface NotifySink {
  url: string;
  received: ReceivedNotice[];
  /** What the next requests are answered with (default 200). */
  status: number;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number): Promise<ReceivedNotice[]>;
  close(): Promise<void>;
}

export async function startNotifySink(): Promise<NotifySink> {
  const waiters: Array<{ count: number; resolve: (r: ReceivedNotice[]) => void }> = [];
  const sink: NotifySink = {
    url: '',
    received: [],
    status: 200,
    waitFor: (count) =>
      new Promise((resolve) => {
        if (sink.received.length >= count) resolve(sink.received);
        else waiters.push({ count, resolve });
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // kept as text
      }
      const status = sink.status;
      sink.received.push({ path: req.url ?? '', headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
      for (const w of waiters.filter((w) => sink.received.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(sink.received);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret-hook-token`;
  return sink;
}
