// Scheduled failures of the channel API, for testing how callers cope: each fault applies to the
// next `count` calls (default 1) or to every call within `forMs`, optionally only to some verbs.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, Response } from 'express';
import { z } from 'zod';

export const FAULT_KINDS = ['http500', 'http429', 'hang', 'drop', 'slow', 'not-json', 'refuse'] as const;

export const faultSpecSchema = z.object({
  kind: z.enum(FAULT_KINDS),
  count: z.number().int().positive().optional(),
  forMs: z.number().int().positive().optional(),
  /** http429: the Retry-After header, in seconds. */
  retryAfterSeconds: z.number().int().nonnegative().default(1),
  /** slow: how long to wait before answering normally. */
  delayMs: z.number().int().nonnegative().default(1_000),
  /** refuse: Hublify's ERROR text (a real Hublify may quote the order's address in it). */
  text: z.string().min(1).default('The order could not be processed.'),
  verbs: z.array(z.string().min(1)).optional(),
});

export type FaultSpec = z.input<typeof faultSpecSchema>;
export type Fault = z.output<typeof faultSpecSchema>;

export interface ScheduledFault extends Fault {
  /** Calls still to be hit; null while a time window alone bounds the fault. */
  remaining: number | null;
  /** End of the time window (ISO 8601), or null for a count-only fault. */
  until: string | null;
}

export class FaultSchedule {
  private faults: ScheduledFault[] = [];

  add(spec: FaultSpec, now = Date.now()): ScheduledFault {
    const fault = faultSpecSchema.parse(spec);
    const scheduled: ScheduledFault = {
      ...fault,
      remaining: fault.count ?? (fault.forMs === undefined ? 1 : null),
      until: fault.forMs === undefined ? null : new Date(now + fault.forMs).toISOString(),
    };
    this.faults.push(scheduled);
    return { ...scheduled };
  }

  clear(): void {
    this.faults = [];
  }

  list(now = Date.now()): ScheduledFault[] {
    this.prune(now);
    return this.faults.map((f) => ({ ...f }));
  }

  /** The fault that hits this call, if any, counting the call against it. */
  take(verb: string, now = Date.now()): Fault | undefined {
    this.prune(now);
    const fault = this.faults.find((f) => !f.verbs || f.verbs.includes(verb));
    if (fault && fault.remaining !== null) fault.remaining -= 1;
    return fault;
  }

  private prune(now: number): void {
    this.faults = this.faults.filter((f) => isActive(f, now));
  }
}

const isActive = (f: ScheduledFault, now: number): boolean =>
  (f.remaining === null || f.remaining > 0) && (f.until === null || Date.parse(f.until) > now);

/**
 * Plays a fault on one request. Resolves true when the request is dealt with (answered, dropped or
 * left hanging) and false when it should now be answered normally (after a `slow` delay).
 * `closing` aborts when the sandbox shuts down; its server then destroys hanging sockets.
 */
export async function playFault(fault: Fault, req: Request, res: Response, closing: AbortSignal): Promise<boolean> {
  switch (fault.kind) {
    case 'http500':
      res.status(500).type('html').send('<html><body><h1>500 Internal Server Error</h1></body></html>');
      return true;
    case 'http429':
      res
        .status(429)
        .set('Retry-After', String(fault.retryAfterSeconds))
        .json({ status: false, msg: [{ type: 'ERROR', text: 'Too many requests.' }] });
      return true;
    case 'not-json':
      // What a proxy's maintenance page looks like to a JSON client.
      res.status(200).type('html').send('<html><body><h1>Wartungsarbeiten</h1></body></html>');
      return true;
    case 'refuse':
      // Hublify's own refusal: HTTP 200, status false, one ERROR.
      res.status(200).json({ status: false, msg: [{ type: 'ERROR', text: fault.text }] });
      return true;
    case 'drop':
      req.socket.destroy();
      return true;
    case 'hang':
      return true;
    case 'slow':
      try {
        await sleep(fault.delayMs, undefined, { signal: closing });
      } catch {
        return true; // the sandbox is closing
      }
      return false;
  }
}
