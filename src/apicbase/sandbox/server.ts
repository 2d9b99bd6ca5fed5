// An Apicbase stand-in that runs in-process or standalone (npm run sandbox:apicbase): OAuth
// (authorize, token, refresh), the supplier purchase-order API with filters, pagination, PATCH and
// a per-user rate limit, and a control API (/_sandbox) to place orders — delivered by a signed
// webhook, or left for pulling. docs/apicbase.md describes it.
//
//   const sandbox = await startApicbaseSandbox({ webhookUrl, clientSecret });   // 127.0.0.1, free port
//   await sandbox.placeOrder({ delivery: 'pull' });
//   sandbox.stats(); sandbox.orders(); await sandbox.close();
import http from 'node:http';
import express from 'express';
import { createLogger, type Logger } from '../../logger';
import type { ApicbaseOrder } from '../order';
import { supplierApiRouter } from './api-routes';
import {
  SandboxRequestError,
  controlApiRouter,
  type BetweenPagesHook,
  type BetweenPagesOutcome,
  type PlaceOrderRequest,
} from './control-api';
import { FaultSchedule, RateLimiter, type FaultSpec, type RateLimitSettings } from './limits';
import { SandboxOAuthServer } from './oauth-server';
import { newSampleOrder, samplePackage } from './sample-order';
import { SandboxOrders, newStats, type SandboxPurchaseOrder, type SandboxStats } from './state';
import { deliverWebhook, type WebhookBodyStyle, type WebhookDelivery } from './webhook';
import { boundPort, listenOn, reachableUrl } from '../../http/loopback-address';

export interface ApicbaseSandboxOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default "sandbox-client". */
  clientId?: string;
  /** Default "sandbox-secret". Also the webhook signing key unless webhookSecret is given (as at Apicbase). */
  clientSecret?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  /** Default "python": the body as Python's json.dumps prints it (what `requests` sends). */
  webhookBodyStyle?: WebhookBodyStyle;
  /** Default 30 s. */
  webhookTimeoutMs?: number;
  /** Default a week. */
  accessTokenTtlMs?: number;
  /** Default true: a refresh answers a new refresh token and revokes the old one. */
  rotateRefreshTokens?: boolean;
  /** Default 100 per 60 s per user. */
  rateLimit?: RateLimitSettings;
  /** Default 10 (Apicbase's default page size) and 200. */
  defaultPageSize?: number;
  maxPageSize?: number;
  /** Default: silent. */
  logger?: Logger;
  /** Keep the orders in this JSON file across restarts (`npm start`: DATA_DIR/apicbase-sandbox.json); default: memory only. */
  stateFile?: string;
}

export const APICBASE_SANDBOX_STATE_FILE = 'apicbase-sandbox.json';

export const APICBASE_SANDBOX_DEFAULTS = {
  host: '127.0.0.1',
  clientId: 'sandbox-client',
  clientSecret: 'sandbox-secret',
} as const;

export interface PlacedOrder {
  order: ApicbaseOrder;
  status: string;
  delivery: 'webhook' | 'pull';
  webhook?: WebhookDelivery;
}

export class ApicbaseSandbox {
  readonly host: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Where webhook deliveries go; may be set after start (e.g. once the receiver has its port). */
  webhookUrl: string | undefined;
  private readonly webhookSecret: string;
  private readonly webhookBodyStyle: WebhookBodyStyle;
  private readonly webhookTimeoutMs: number;
  private readonly store: SandboxOrders;
  private statsData: SandboxStats = newStats();
  private readonly limiter: RateLimiter;
  private readonly faultSchedule = new FaultSchedule();
  private readonly requestLog: number[] = [];
  private readonly oauth: SandboxOAuthServer;
  private readonly server: http.Server;
  private readonly closing = new AbortController();
  private readonly logger: Logger;
  private closed?: Promise<void>;
  private readonly now = () => Date.now();
  private pageHook: { hook: BetweenPagesHook; resolve: (outcome: BetweenPagesOutcome) => void } | undefined;

  constructor(opts: ApicbaseSandboxOptions = {}) {
    this.host = opts.host ?? APICBASE_SANDBOX_DEFAULTS.host;
    this.clientId = opts.clientId ?? APICBASE_SANDBOX_DEFAULTS.clientId;
    this.clientSecret = opts.clientSecret ?? APICBASE_SANDBOX_DEFAULTS.clientSecret;
    this.webhookUrl = opts.webhookUrl;
    this.webhookSecret = opts.webhookSecret ?? this.clientSecret;
    this.webhookBodyStyle = opts.webhookBodyStyle ?? 'python';
    this.webhookTimeoutMs = opts.webhookTimeoutMs ?? 30_000;
    this.logger = opts.logger ?? createLogger('silent');
    this.store = new SandboxOrders(opts.stateFile);
    this.limiter = new RateLimiter(opts.rateLimit ?? { limit: 100, windowMs: 60_000 });
    // The stats object is shared by reference with the OAuth server: reset() clears it in place.
    this.oauth = new SandboxOAuthServer(
      {
        clientId: this.clientId,
        clientSecret: this.clientSecret,
        accessTokenTtlMs: opts.accessTokenTtlMs ?? 7 * 86_400_000,
        rotateRefreshTokens: opts.rotateRefreshTokens ?? true,
        now: this.now,
      },
      this.statsData,
    );

    const app = express();
    app.disable('x-powered-by');
    app.set('query parser', 'simple');
    app.use('/_sandbox', controlApiRouter(this));
    app.use(this.oauth.router());
    app.use(
      supplierApiRouter({
        orders: this.store,
        oauth: this.oauth,
        limiter: this.limiter,
        faults: this.faultSchedule,
        stats: this.statsData,
        requestLog: this.requestLog,
        now: this.now,
        defaultPageSize: opts.defaultPageSize ?? 10,
        maxPageSize: opts.maxPageSize ?? 200,
        pageAnswered: (listed, hasNext) => this.pageAnswered(listed, hasNext),
      }),
    );
    app.use((req, res) => {
      res.status(404).json({ detail: 'Not found.', path: `${req.method} ${req.path}` });
    });
    this.server = http.createServer(app);
  }

  get port(): number {
    return boundPort(this.server);
  }

  /** The base URL for APICBASE_API_URL: http://host:port. */
  get url(): string {
    return reachableUrl(this.host, this.port);
  }

  async listen(port = 0): Promise<this> {
    await listenOn(this.server, this.host, port);
    return this;
  }

  /** Places an order: sent by webhook (ORDERED only when the receiver answers 2xx) or left for pulling. */
  async placeOrder(req: PlaceOrderRequest = {}): Promise<PlacedOrder> {
    const delivery = req.delivery ?? (this.webhookUrl ? 'webhook' : 'pull');
    if (delivery === 'webhook' && !this.webhookUrl)
      throw new SandboxRequestError('no webhook URL is configured: place it with delivery "pull"', 409);
    const entry = this.addOrder(req, delivery);
    if (delivery === 'pull') return { order: entry.order, status: entry.order.status, delivery };
    const webhook = await this.send(entry, req.bodyStyle);
    return { order: entry.order, status: entry.order.status, delivery, webhook };
  }

  /** Stores a new order at once (synchronously: a hook places orders between two page reads). */
  private addOrder(req: PlaceOrderRequest, delivery: 'webhook' | 'pull'): SandboxPurchaseOrder {
    const orderedOn = req.orderedOn ? new Date(req.orderedOn) : new Date(this.now());
    if (Number.isNaN(orderedOn.getTime())) throw new SandboxRequestError('orderedOn is not a date', 400);
    const overrides = {
      ...(req.customer ? { supplier_customer_number: req.customer } : {}),
      ...(req.items ? { packages: req.items.map((i) => samplePackage(i.article, i.quantity)) } : {}),
      ...(req.order ?? {}),
    } as Partial<ApicbaseOrder>;
    const base = newSampleOrder(orderedOn, overrides);
    let entry: SandboxPurchaseOrder;
    try {
      entry = this.store.add({ ...base, status: delivery === 'webhook' ? 'IN_PROGRESS' : 'ORDERED' }, delivery);
    } catch (err) {
      throw new SandboxRequestError(`the order cannot be placed: ${(err as Error).message}`, 400);
    }
    if (delivery === 'pull')
      this.logger.info({ orderNumber: entry.order.order_number }, 'apicbase sandbox: order placed for pulling');
    return entry;
  }

  /**
   * Arms a one-shot hook: right after the list next answers a page that has a next page (a walk is
   * between two page reads), the first `changeListed.count` orders of that page get a new status and
   * the orders in `place` are placed for pulling. Resolves with what it did.
   */
  betweenPages(hook: BetweenPagesHook): Promise<BetweenPagesOutcome> {
    if (this.pageHook) throw new SandboxRequestError('a between-pages hook is armed already', 409);
    return new Promise((resolve) => {
      this.pageHook = { hook, resolve };
    });
  }

  /** The armed between-pages hook, if any. */
  pendingBetweenPages(): BetweenPagesHook | undefined {
    return this.pageHook?.hook;
  }

  /** Called by the list route after each answer. */
  private pageAnswered(listed: SandboxPurchaseOrder[], hasNext: boolean): void {
    const armed = this.pageHook;
    if (!armed || !hasNext) return;
    this.pageHook = undefined;
    const { changeListed, place = [] } = armed.hook;
    const changed = listed.slice(0, changeListed?.count ?? 0).map((entry) => {
      entry.order.status = changeListed!.status;
      return { id: entry.order.id, orderNumber: entry.order.order_number, status: entry.order.status };
    });
    if (changed.length) this.store.changed();
    const placed = place.map((req) => this.addOrder(req, 'pull').order);
    this.logger.info({ changed: changed.length, placed: placed.length }, 'apicbase sandbox: between-pages hook fired');
    armed.resolve({ listed: listed.map((e) => e.order.id), changed, placed });
  }

  /** Sends an order's webhook again (as when the customer re-sends an order that failed). */
  async redeliver(idOrNumber: string, bodyStyle?: WebhookBodyStyle): Promise<PlacedOrder> {
    const entry = this.store.get(idOrNumber);
    if (!entry) throw new SandboxRequestError(`No order ${JSON.stringify(idOrNumber)} in the sandbox`, 404);
    if (!this.webhookUrl) throw new SandboxRequestError('no webhook URL is configured', 409);
    const webhook = await this.send(entry, bodyStyle);
    return { order: entry.order, status: entry.order.status, delivery: 'webhook', webhook };
  }

  private async send(entry: SandboxPurchaseOrder, bodyStyle: WebhookBodyStyle | undefined): Promise<WebhookDelivery> {
    // Apicbase sends the order as ORDERED and sets that status only once the webhook answered 2xx.
    const webhook = await deliverWebhook({
      url: this.webhookUrl!,
      secret: this.webhookSecret,
      order: { ...entry.order, status: 'ORDERED' },
      bodyStyle: bodyStyle ?? this.webhookBodyStyle,
      timeoutMs: this.webhookTimeoutMs,
      signal: this.closing.signal,
    });
    if (webhook.status !== null && webhook.status >= 200 && webhook.status < 300) {
      entry.order.status = 'ORDERED';
      this.store.changed();
    }
    this.logger.info(
      { orderNumber: entry.order.order_number, httpStatus: webhook.status },
      'apicbase sandbox: order sent by webhook',
    );
    return webhook;
  }

  orders(): SandboxPurchaseOrder[] {
    return this.store.all();
  }

  order(idOrNumber: string): SandboxPurchaseOrder | undefined {
    return this.store.get(idOrNumber);
  }

  setStatus(idOrNumber: string, status: string): SandboxPurchaseOrder {
    const entry = this.store.get(idOrNumber);
    if (!entry) throw new SandboxRequestError(`No order ${JSON.stringify(idOrNumber)} in the sandbox`, 404);
    entry.order.status = status;
    this.store.changed();
    return entry;
  }

  stats(): SandboxStats {
    return structuredClone(this.statsData);
  }

  /** Arrival times (ms) of the latest 1000 API requests. */
  apiRequestTimes(): number[] {
    return [...this.requestLog];
  }

  injectFault(spec: FaultSpec): void {
    this.faultSchedule.add(spec, this.now());
  }

  faults(): FaultSpec[] {
    return this.faultSchedule.list();
  }

  clearFaults(): void {
    this.faultSchedule.clear();
  }

  setRateLimit(settings: RateLimitSettings): void {
    this.limiter.settings = { ...settings };
    this.limiter.reset();
  }

  rateLimit(): RateLimitSettings {
    return { ...this.limiter.settings };
  }

  setAccessTokenTtl(ms: number): void {
    this.oauth.accessTokenTtlMs = ms;
  }

  expireAccessTokens(): number {
    return this.oauth.expireAccessTokens();
  }

  /** Forgets orders, tokens, counters, faults, the rate-limit log and an armed hook. */
  reset(): void {
    this.pageHook = undefined;
    this.store.clear();
    this.oauth.reset();
    this.faultSchedule.clear();
    this.limiter.reset();
    this.requestLog.length = 0;
    Object.assign(this.statsData, newStats());
  }

  /** Stops listening and ends every connection and webhook delivery under way. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing.abort();
      const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
      await stopped;
    })();
    return this.closed;
  }
}

/** Rejects (never throws) when it cannot start: a broken state file, a port in use. */
export async function startApicbaseSandbox(opts: ApicbaseSandboxOptions = {}): Promise<ApicbaseSandbox> {
  return new ApicbaseSandbox(opts).listen(opts.port ?? 0);
}
