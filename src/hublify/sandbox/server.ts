// A Hublify channel that runs in-process: the channel API (/api/<channel>/<verb>) as the seed
// describes it, an operator's control API (/_sandbox/...), scheduled faults and the outbound webhook.
//
//   const sandbox = await startHublifySandbox();          // 127.0.0.1, a free port
//   new HublifyClient({ baseUrl: sandbox.url, channel: sandbox.channel, token: sandbox.token, timeoutMs: 2000 });
//   sandbox.ship('ACHN-00000001');                         // or POST /_sandbox/orders/:id/ship
//   await sandbox.close();
import http from 'node:http';
import express from 'express';
import { createLogger, type Logger } from '../../logger';
import { channelApiRouter } from './channel-api';
import { SandboxControl } from './control';
import { controlApiRouter } from './control-api';
import { FaultSchedule } from './faults';
import { ProductCatalogue, type SandboxProduct } from './products';
import { SandboxState } from './state';
import { WebhookNotifier } from './webhook';
import { boundPort, listenOn, reachableUrl } from '../../http/loopback-address';

export interface HublifySandboxOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default "channel_10", as in the seed. */
  channel?: string;
  /** The API-Channel-Token to accept; default "sandbox-token". */
  token?: string;
  /** The PIM catalogue; default DEFAULT_PRODUCTS (EK00001, PC0001, ...). */
  products?: readonly SandboxProduct[];
  /** Where to POST `{"status":true,"data":<order_get data>}` after a state change or shipment. */
  webhookUrl?: string;
  /** Sent as X-Hublify-Webhook-Token with each webhook call. */
  webhookToken?: string;
  /** Default: silent. */
  logger?: Logger;
  /**
   * Keep the orders in this JSON file across restarts (created on the first order; ids never start
   * again). Default: memory only. `npm start` keeps it in DATA_DIR.
   */
  stateFile?: string;
  /** Who runs it, as GET /_sandbox/info says; default `npm run sandbox:hublify`. */
  runBy?: string;
}

export const SANDBOX_DEFAULTS = { host: '127.0.0.1', channel: 'channel_10', token: 'sandbox-token' } as const;

/** The embedded sandbox's state file in DATA_DIR (`npm start`). */
export const HUBLIFY_SANDBOX_STATE_FILE = 'hublify-sandbox.json';

export class HublifySandbox extends SandboxControl {
  readonly host: string;
  readonly channel: string;
  readonly token: string;
  private readonly server: http.Server;
  private readonly closing: AbortController;
  private closed?: Promise<void>;

  constructor(opts: HublifySandboxOptions = {}) {
    const logger = opts.logger ?? createLogger('silent');
    const closing = new AbortController();
    const state = new SandboxState(opts.stateFile);
    const faults = new FaultSchedule();
    const webhook = new WebhookNotifier({
      url: opts.webhookUrl,
      token: opts.webhookToken,
      logger,
      closing: closing.signal,
    });
    const now = () => new Date();
    super({ state, faults, webhook, now });

    this.host = opts.host ?? SANDBOX_DEFAULTS.host;
    this.channel = opts.channel ?? SANDBOX_DEFAULTS.channel;
    this.token = opts.token ?? SANDBOX_DEFAULTS.token;
    this.closing = closing;

    const app = express();
    app.disable('x-powered-by');
    const info = () => ({
      sandbox: 'hublify' as const,
      channel: this.channel,
      documentedToken: this.token === SANDBOX_DEFAULTS.token,
      runBy: opts.runBy ?? 'npm run sandbox:hublify',
      persistent: opts.stateFile !== undefined,
    });
    app.use('/_sandbox', controlApiRouter(this, info));
    app.use(
      '/api',
      channelApiRouter({
        channel: this.channel,
        token: this.token,
        verbs: { state, catalogue: new ProductCatalogue(opts.products), now },
        faults,
        logger,
        closing: closing.signal,
      }),
    );
    app.use((req, res) => {
      res
        .status(404)
        .json({ error: `Not found: ${req.method} ${req.path} (the channel API is under /api/${this.channel}/)` });
    });
    this.server = http.createServer(app);
  }

  get port(): number {
    return boundPort(this.server);
  }

  /** The base URL for HublifyClient (and HUBLIFY_URL): http://host:port. */
  get url(): string {
    return reachableUrl(this.host, this.port);
  }

  async listen(port = 0): Promise<this> {
    await listenOn(this.server, this.host, port);
    return this;
  }

  /** Stops listening and ends every connection, hanging and slow requests included. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing.abort();
      const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
      await stopped;
      await this.webhooksSettled();
    })();
    return this.closed;
  }
}

export async function startHublifySandbox(opts: HublifySandboxOptions = {}): Promise<HublifySandbox> {
  return new HublifySandbox(opts).listen(opts.port ?? 0);
}
