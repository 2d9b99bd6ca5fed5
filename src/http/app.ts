// The HTTP server's Express app: request ids, structured request logs, security headers, metrics,
// health, and whatever routers the caller mounts (webhooks, admin).
import { randomUUID } from 'node:crypto';
import type { Server, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { healthRoutes, type ReadinessCheck } from './health';
import type { HttpMetrics } from './metrics';

export interface HttpAppOptions {
  logger: Logger;
  metrics: HttpMetrics;
  readiness: ReadinessCheck[];
  routers: Router[];
  /** More Prometheus text for /metrics (the business and Temporal SDK metrics of a worker in this process). */
  extraMetrics?: () => Promise<string>;
  /** False when /metrics is served on an address of its own (METRICS_ADDRESS, createMetricsApp). */
  metricsHere?: boolean;
  /** Paths whose query string may hold a secret (e.g. Hublify's `?token=`): logged without it. */
  secretQueryPaths?: string[];
}

/** GET /metrics: the HTTP metrics, plus the extra text (a worker's) when there is one. */
function metricsRoute(opts: Pick<HttpAppOptions, 'metrics' | 'extraMetrics'>): express.RequestHandler {
  return async (_req, res) => {
    const extra = opts.extraMetrics ? await opts.extraMetrics() : '';
    res.type(opts.metrics.registry.contentType).send((await opts.metrics.registry.metrics()) + extra);
  };
}

/** An app serving /metrics alone, for METRICS_ADDRESS. */
export function createMetricsApp(opts: Pick<HttpAppOptions, 'metrics' | 'extraMetrics'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsRoute(opts));
  app.use((_req, res) => {
    res.status(404).json({ error: 'Not found: GET /metrics' });
  });
  return app;
}

export function createHttpApp(opts: HttpAppOptions): express.Express {
  const logUrl = loggedUrl(opts.secretQueryPaths ?? []);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());
  app.use(
    pinoHttp({
      logger: opts.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Health probes every few seconds would drown the log.
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
      // One short line a request: id, method, URL, status and time, never the headers (issue 26.11).
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: logUrl(req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // The Web UI decodes through /codec/decode on every page view: its answers are debug; refusals stay info.
      customLogLevel: (req, res, err) =>
        !err && res.statusCode < 400 && req.url?.startsWith('/codec/') ? 'debug' : 'info',
    }),
  );
  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      opts.metrics.requests.inc({ route, status: String(res.statusCode) });
    });
    next();
  });
  app.use(healthRoutes(opts.readiness));
  if (opts.metricsHere !== false) app.get('/metrics', metricsRoute(opts));
  for (const router of opts.routers) app.use(router);
  app.use((_req, res) => {
    res.status(404).json({ error: 'Not found' });
  });
  const onError: ErrorRequestHandler = (
    err: { status?: number; statusCode?: number; type?: string; message?: string },
    req,
    res,
    _next,
  ) => {
    // body-parser's errors carry the right status (413 too large, 400 bad encoding); anything else is ours.
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    res.status(status).json({
      error:
        status === 413 ? 'Request body too large' : status >= 500 ? 'Internal error' : (err.message ?? 'Bad request'),
    });
  };
  app.use(onError);
  return app;
}

/**
 * The URL as logged: without its query string on `secretQueryPaths`, and with the value of any
 * token/secret/key parameter replaced elsewhere, so a secret sent in a URL never reaches a log line.
 */
export function loggedUrl(secretQueryPaths: string[]): (url: string) => string {
  const paths = new Set(secretQueryPaths);
  return (url) => {
    const at = url.indexOf('?');
    if (at < 0) return url;
    const path = url.slice(0, at);
    if (paths.has(path)) return path;
    const query = url
      .slice(at + 1)
      .split('&')
      .map((pair) =>
        /^(token|secret|key|access_token|code)=/i.test(decodeURIComponentSafe(pair))
          ? `${pair.split('=')[0]}=[redacted]`
          : pair,
      );
    return `${path}?${query.join('&')}`;
  };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Listens, and returns a close() that stops accepting and lets in-flight requests finish. */
export async function listen(
  app: express.Express,
  host: string,
  port: number,
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  // Once closing, every answer not yet sent says `Connection: close`: closeIdleConnections() only ends the
  // connections idle at that moment, and a client (or load balancer) that goes on reusing one that was busy
  // would otherwise never see the listener gone.
  let closing = false;
  const unanswered = new Set<ServerResponse>();
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (closing) return res.setHeader('connection', 'close');
    unanswered.add(res);
    res.once('close', () => unanswered.delete(res));
  });
  const closeWhenAnswered = () => {
    closing = true;
    for (const res of unanswered) if (!res.headersSent) res.setHeader('connection', 'close');
  };
  return {
    server,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        closeWhenAnswered();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
