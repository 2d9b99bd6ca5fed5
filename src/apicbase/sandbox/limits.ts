// The Apicbase sandbox's rate limit (N requests per window per user, answered 429 + Retry-After,
// like DRF's throttling) and scheduled faults for tests (429 or 500 storms).
import { z } from 'zod';

export interface RateLimitSettings {
  /** Requests per window and user; default 100 (Apicbase: 100 per minute per user). */
  limit: number;
  /** Default 60 000 ms. */
  windowMs: number;
}

export const rateLimitSchema = z.object({ limit: z.number().int().positive(), windowMs: z.number().int().positive() });

/** A sliding-window log per key: exact, and small at these rates. */
export class RateLimiter {
  private readonly log = new Map<string, number[]>();

  constructor(public settings: RateLimitSettings) {}

  /** Counts a request; when over the limit, says how many seconds until one is allowed again. */
  take(key: string, now: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const { limit, windowMs } = this.settings;
    const times = (this.log.get(key) ?? []).filter((t) => t > now - windowMs);
    if (times.length >= limit) {
      this.log.set(key, times);
      const freeAt = times[times.length - limit]! + windowMs;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)) };
    }
    times.push(now);
    this.log.set(key, times);
    return { ok: true };
  }

  reset(): void {
    this.log.clear();
  }
}

export const faultSchema = z.object({
  kind: z.enum(['http429', 'http500']),
  /** The next N API requests (default 1)… */
  count: z.number().int().positive().optional(),
  /** …or every API request for this long. */
  forMs: z.number().int().positive().optional(),
  /** For http429: the Retry-After header (default 1). */
  retryAfterSeconds: z.number().int().nonnegative().optional(),
});

export type FaultSpec = z.infer<typeof faultSchema>;
interface ScheduledFault extends FaultSpec {
  remaining?: number;
  until?: number;
}

export class FaultSchedule {
  private faults: ScheduledFault[] = [];

  add(spec: FaultSpec, now: number): void {
    const fault = faultSchema.parse(spec);
    this.faults.push({ ...fault, ...(fault.forMs ? { until: now + fault.forMs } : { remaining: fault.count ?? 1 }) });
  }

  /** The fault that hits this request, if any (consumes one of a counted fault). */
  take(now: number): FaultSpec | undefined {
    this.faults = this.faults.filter(
      (f) => (f.until === undefined || f.until > now) && (f.remaining === undefined || f.remaining > 0),
    );
    const fault = this.faults[0];
    if (fault?.remaining !== undefined) fault.remaining -= 1;
    return fault;
  }

  list(): FaultSpec[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }
}
