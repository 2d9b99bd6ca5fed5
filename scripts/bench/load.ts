// HTTP load with autocannon: `connections` concurrent senders, each sending its next request as soon as
// the previous one is answered, for `durationSeconds`. One function for the floors and for order-relay,
// so every figure is measured the same way.
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  path: string;
  connections: number;
  durationSeconds: number;
  /** A new request body (and headers) per request. */
  request: () => { body: string; headers: Record<string, string> };
  onResponse?: (status: number, body: string) => void;
  /** Requests a second in all (open loop), instead of each sender sending again at once. */
  overallRate?: number;
}

export interface LoadResult {
  connections: number;
  durationSeconds: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Answered 2xx per second. */
  okPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export async function loadHttp(opts: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationSeconds,
    timeout: 30,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: opts.path,
        setupRequest: (req) => ({ ...req, ...opts.request() }),
        ...(opts.onResponse ? { onResponse: opts.onResponse } : {}),
      },
    ],
  });
  const ok = result['2xx'];
  return {
    connections: opts.connections,
    durationSeconds: opts.durationSeconds,
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    okPerSecond: round1(ok / result.duration),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  };
}
