// The outbound webhook a Hublify operator can configure: after an order changes, POST the order_get
// answer to our URL. Deliveries go one at a time, in order; a failure is logged and never thrown.
import type { Logger } from '../../logger';
import type { HublifyOrderData } from '../types';

export const WEBHOOK_TOKEN_HEADER = 'X-Hublify-Webhook-Token';

export interface WebhookNotifierOptions {
  url?: string;
  token?: string;
  logger: Logger;
  /** Aborts deliveries under way when the sandbox closes. */
  closing: AbortSignal;
  timeoutMs?: number;
}

export class WebhookNotifier {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: WebhookNotifierOptions) {}

  notify(data: HublifyOrderData): void {
    const { url } = this.opts;
    if (!url) return;
    const body = JSON.stringify({ status: true, data });
    this.queue = this.queue.then(() => this.deliver(url, body, data.orderid));
  }

  /** Resolves once every delivery asked for so far has finished (or failed). */
  settled(): Promise<void> {
    return this.queue;
  }

  private async deliver(url: string, body: string, orderid: string): Promise<void> {
    if (this.opts.closing.aborted) return;
    const target = withoutQuery(url); // the query may carry the receiver's token
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(this.opts.token ? { [WEBHOOK_TOKEN_HEADER]: this.opts.token } : {}),
        },
        body,
        signal: AbortSignal.any([this.opts.closing, AbortSignal.timeout(this.opts.timeoutMs ?? 5_000)]),
      });
      await response.arrayBuffer();
      const level = response.ok ? 'info' : 'warn';
      this.opts.logger[level]({ orderid, target, httpStatus: response.status }, 'hublify sandbox webhook delivered');
    } catch (err) {
      this.opts.logger.warn(
        { orderid, target, error: err instanceof Error ? err.message : String(err) },
        'hublify sandbox webhook failed',
      );
    }
  }
}

function withoutQuery(url: string): string {
  try {
    const { origin, pathname } = new URL(url);
    return origin + pathname;
  } catch {
    return '(invalid webhook url)';
  }
}
