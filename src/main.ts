// `npm start`: everything on embedded defaults. Starts what is not configured — the Temporal dev
// server (unless TEMPORAL_ADDRESS), and in the process that serves HTTP (role api) the Hublify sandbox
// (unless HUBLIFY_URL) and the Apicbase sandbox (unless any Apicbase setting is given) — then the worker and
// the HTTP server, prints where each part listens, and stops every part cleanly on Ctrl-C.
// Tracing first (when OTEL_EXPORTER_OTLP_ENDPOINT is set): it patches modules loaded after it.
import './observability/start-tracing';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pullBannerLines } from './apicbase/pull-banner';
import { apicbaseSandboxReason, startEmbeddedApicbaseSandbox, wantsApicbaseSandbox } from './apicbase/sandbox/embedded';
import { ConfigError, loadConfig, type Config } from './config';
import { HUBLIFY_SANDBOX_STATE_FILE, SANDBOX_DEFAULTS, startHublifySandbox } from './hublify/sandbox/server';
import { createLogger, writeAfterLogs } from './logger';
import { activeTracing } from './observability/tracing';
import { startOrderRelay } from './order-relay';
import { AlreadyRunningError, acquireStartLock, type StartLock } from './start-lock';
import { startDevServer } from './temporal/dev-server';
import { ensureTemporalCli } from './temporal/temporal-cli';

/** order-relay's codec endpoint as the Web UI (in the browser, on this machine) reaches it; none without the API. */
function codecEndpointFor(config: Config): string | undefined {
  if (!config.ORDER_RELAY_ROLES.includes('api') || config.PORT === 0) return undefined;
  const host =
    config.HOST === '0.0.0.0' || config.HOST === '::'
      ? '127.0.0.1'
      : config.HOST.includes(':')
        ? `[${config.HOST}]`
        : config.HOST;
  return `http://${host}:${config.PORT}/codec`;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // The embedded dev server's process owns DATA_DIR: a second `npm start` on it says where the first runs
  // and stops here, before anything is started or written (issue 26.13).
  let lock: StartLock | undefined;
  if (!config.TEMPORAL_ADDRESS) {
    mkdirSync(config.DATA_DIR, { recursive: true });
    try {
      lock = acquireStartLock(config.DATA_DIR);
    } catch (err) {
      if (!(err instanceof AlreadyRunningError)) throw err;
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
  }
  const logger = createLogger(config.LOG_LEVEL);
  // Sandboxes belong to npm start's embedded defaults, in the process that serves HTTP: a worker-only
  // process (scaled out beside an API that runs them) starts none, so it cannot clash on their ports (issue 26.1).
  const servesHttp = config.ORDER_RELAY_ROLES.includes('api');
  // Decided on the configuration as given, before the Hublify sandbox fills in HUBLIFY_URL.
  const apicbaseSandbox = servesHttp && wantsApicbaseSandbox(config);
  const apicbaseReason = servesHttp
    ? apicbaseSandboxReason(config)
    : 'no sandbox: a worker-only process (ORDER_RELAY_ROLES=worker) runs none';
  const stops: Array<() => Promise<void>> = [];
  const lines: string[] = [];

  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping order-relay…');
    for (const stop of stops.reverse())
      await stop().catch((err: unknown) => logger.warn({ err }, 'error while stopping'));
    lock?.release();
    logger.info('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const tracing = activeTracing();
  if (tracing) {
    // Stopped last: the spans of the shutdown itself are exported too.
    stops.push(() => tracing.shutdown());
    logger.info('tracing: exporting spans over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT)');
  }
  try {
    if (!config.TEMPORAL_ADDRESS) {
      const cliPath = await ensureTemporalCli((line) => logger.info(line));
      const codecEndpoint = codecEndpointFor(config);
      const dev = await startDevServer({
        cliPath,
        ip: '127.0.0.1',
        port: config.TEMPORAL_DEV_PORT,
        uiPort: config.TEMPORAL_DEV_UI_PORT,
        dbFile: path.join(config.DATA_DIR, 'temporal.sqlite'),
        namespace: config.TEMPORAL_NAMESPACE,
        log: (line) => logger.debug({ temporal: line }, 'temporal dev server'),
        // The Web UI decrypts payloads through order-relay's codec endpoint (src/codec).
        ...(codecEndpoint ? { uiCodecEndpoint: codecEndpoint } : {}),
      });
      stops.push(() => dev.stop());
      config = {
        ...config,
        TEMPORAL_ADDRESS: dev.address,
        TEMPORAL_UI_URL: config.TEMPORAL_UI_URL ?? dev.uiUrl,
        // The dev Web UI cannot send a token: loopback callers may decode (docs/operations.md).
        CODEC_LOOPBACK_UNAUTHENTICATED: config.CODEC_LOOPBACK_UNAUTHENTICATED ?? true,
      };
      lines.push(`Temporal dev server  ${dev.address}  (SQLite: ${path.join(config.DATA_DIR, 'temporal.sqlite')})`);
      lines.push(`Temporal Web UI      ${dev.uiUrl}`);
    } else {
      lines.push(`Temporal             ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE})`);
    }

    if (!config.HUBLIFY_URL && servesHttp) {
      // The channel token is the documented `sandbox-token` (loopback only), so the README's curl works
      // while `npm start` runs; the push token the two embedded parts share is random per start, never printed.
      const token = config.HUBLIFY_CHANNEL_TOKEN ?? SANDBOX_DEFAULTS.token;
      const webhookToken = config.HUBLIFY_WEBHOOK_TOKEN ?? randomBytes(24).toString('hex');
      const sandbox = await startHublifySandbox({
        host: '127.0.0.1',
        port: config.HUBLIFY_SANDBOX_PORT,
        token,
        channel: config.HUBLIFY_CHANNEL,
        ...(config.HUBLIFY_SANDBOX_PUSH
          ? { webhookUrl: `http://${config.HOST}:${config.PORT}/webhooks/hublify/orders`, webhookToken }
          : {}),
        // Kept across restarts, as Hublify keeps its orders: ids never start again (issue 17.1).
        stateFile: path.join(config.DATA_DIR, HUBLIFY_SANDBOX_STATE_FILE),
        runBy: 'npm start',
        logger,
      });
      stops.push(() => sandbox.close());
      config = {
        ...config,
        HUBLIFY_URL: sandbox.url,
        HUBLIFY_CHANNEL_TOKEN: token,
        HUBLIFY_WEBHOOK_TOKEN: webhookToken,
      };
      logger.warn(
        `HUBLIFY_URL is not set: orders go to the embedded Hublify SANDBOX at ${sandbox.url}, not to a real Hublify`,
      );
      const shownToken = token === SANDBOX_DEFAULTS.token ? `token ${token}` : 'token: HUBLIFY_CHANNEL_TOKEN';
      lines.push(
        `Hublify SANDBOX      ${sandbox.url}  (channel API /api/${sandbox.channel}/<verb>, ${shownToken}; control API: ${sandbox.url}/_sandbox/orders)`,
      );
      lines.push(
        `                     its orders are kept in ${path.join(config.DATA_DIR, HUBLIFY_SANDBOX_STATE_FILE)}`,
      );
    } else if (config.HUBLIFY_URL) {
      lines.push(`Hublify              ${config.HUBLIFY_URL} (${config.HUBLIFY_CHANNEL})`);
    }

    if (apicbaseSandbox) {
      const apicbase = await startEmbeddedApicbaseSandbox(config, logger, apicbaseReason);
      stops.push(apicbase.stop);
      config = apicbase.config;
      lines.push(apicbase.line);
      lines.push(...pullBannerLines(config, config.APICBASE_API_URL).map((l) => `                     ${l}`));
    } else {
      lines.push(
        `Apicbase             ${config.APICBASE_API_URL ?? 'webhook only (APICBASE_API_URL not set)'} (mode ${config.APICBASE_MODE}; ${apicbaseReason})`,
      );
      lines.push(...pullBannerLines(config).map((l) => `                     ${l}`));
    }

    const relay = await startOrderRelay({ config, logger });
    stops.push(() => relay.close());
    relay.workerDone.catch((err: unknown) => {
      logger.error({ err }, 'worker stopped with an error');
      void stopAll(1);
    });
    if (relay.httpPort !== undefined) {
      const base = `http://${config.HOST}:${relay.httpPort}`;
      lines.push(
        `HTTP                 ${base}  (webhook: POST ${base}/webhooks/apicbase/orders, ready: ${base}/readyz)`,
      );
    }
    if (relay.worker) {
      lines.push(`Worker               task queue "${config.TEMPORAL_TASK_QUEUE}"`);
      lines.push(`Order records        ${path.join(config.DATA_DIR, 'orders.sqlite')}`);
      if (relay.workerMetricsUrl)
        lines.push(`Worker metrics       ${relay.workerMetricsUrl}  (Temporal SDK + business metrics)`);
    }
    if (relay.httpPort !== undefined) {
      lines.push(
        `Codec endpoint       http://${config.HOST}:${relay.httpPort}/codec  (payloads are encrypted, key ${relay.codec.currentKeyId})`,
      );
    }
    // Last on the screen: after the log lines of the start, which pino writes asynchronously (issue 26.11).
    lock?.describe(lines.filter((line) => /^(Temporal dev server|Temporal Web UI|HTTP) /.test(line)));
    writeAfterLogs(logger, `\norder-relay is running:\n  ${lines.join('\n  ')}\nPress Ctrl-C to stop.\n\n`);
  } catch (err) {
    logger.error({ err }, 'order-relay could not start');
    await stopAll(1);
  }
}

void main();
