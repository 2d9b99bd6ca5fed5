// Wires order-relay together against a running Temporal server and Hublify: the order record store,
// the customer directory, the Hublify client, the worker and the HTTP server. `npm start`, the
// docker-compose services and the end-to-end tests all start the system through this one function.
import { mkdirSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { grpc } from '@temporalio/proto';
import { NativeConnection, type Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createOrderActivities } from '../activities';
import { createSweepActivities } from '../activities/hublify-sweep';
import { startApicbaseIntegration } from './apicbase/integration';
import { codecRoutes, originsFor } from './codec/codec-routes';
import { payloadCodecFromConfig, type EncryptionCodec } from './codec';
import { secretValuesOf, type Config } from './config';
import { watchCustomerDirectory, type LiveCustomerDirectory } from './customers/directory-watcher';
import { HublifyClient } from './hublify/client';
import { ensureSweepSchedule } from './hublify/sweep-schedule';
import { adminRoutes } from './http/admin-api';
import { createHttpApp, createMetricsApp, listen } from './http/app';
import { reachableUrl } from './http/loopback-address';
import { createHttpMetrics } from './http/metrics';
import { apicbaseWebhookRoutes } from './ingress/apicbase-webhook';
import { HUBLIFY_WEBHOOK_PATH, hublifyWebhookRoutes } from './ingress/hublify-webhook';
import { customerEmailSettings, supportNotifySettings } from './notify/settings';
import { operationsContext } from './operations/context';
import { createBusinessMetrics, type BusinessMetrics } from './observability/business-metrics';
import { processMetrics } from './observability/process-metrics';
import { freeLoopbackPort } from './net/free-port';
import { parseHostPort, scrapeSdkMetrics, startMetricsServer } from './observability/metrics-server';
import { activeTracing, type Tracing } from './observability/tracing';
import { orderWorkflowSettings } from './orders/order-settings';
import type { OrderStarterDeps } from './orders/start-order';
import { loadTemporalConnectionSettings } from './temporal/connection-settings';
import { temporalGrpcInterceptors } from './temporal/grpc-retry';
import { defaultOrderStoreFile, describeStoreTarget, openOrderStore, type OrderStore } from './store/order-store';
import { installTemporalRuntime, temporalRuntimeInstalled, temporalSdkMetricsAddress } from './temporal/runtime';
import { registerSearchAttributes } from './temporal/search-attributes';
import { bundleOrderWorkflows, createOrderWorker, workerTuningFrom } from './worker/order-worker';
import { workflowBundleFromFile } from './worker/workflow-bundle';

export interface OrderRelayRoles {
  worker: boolean;
  api: boolean;
}

function rolesFrom(config: Config): OrderRelayRoles {
  return { api: config.ORDER_RELAY_ROLES.includes('api'), worker: config.ORDER_RELAY_ROLES.includes('worker') };
}

export interface RunningOrderRelay {
  client: Client;
  /** The order record store (both roles: the worker records stages and shipments; the API asks it before starting an order and records refused ones). */
  store?: OrderStore;
  worker?: Worker;
  httpPort?: number;
  /** The API's /metrics when METRICS_ADDRESS puts it on an address of its own. */
  metricsUrl?: string;
  /** The payload codec every client and worker of this relay uses (src/codec). */
  codec: EncryptionCodec;
  /** Business metrics (worker role only). */
  businessMetrics?: BusinessMetrics;
  /** The worker's Prometheus endpoint, e.g. http://127.0.0.1:9464/metrics (worker role, unless WORKER_METRICS_ADDRESS=off). */
  workerMetricsUrl?: string;
  /** The customer directory in use (reloaded when its file changes). */
  customerDirectory: LiveCustomerDirectory;
  /** Resolves when the worker stops on its own (a fatal error); rejects with that error. */
  workerDone: Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  logger: Logger;
  roles?: OrderRelayRoles;
  /** The workflow code (tests pass one bundle for many relays); default: WORKFLOW_BUNDLE_PATH, else bundled at start. With tracing, a traced bundle (bundleOrderWorkflows({ tracing: true })). */
  workflowBundle?: WorkflowBundleOption;
  /** OpenTelemetry; default: what startTracing() started in this process (src/observability/tracing.ts), if anything. */
  tracing?: Tracing;
}

export async function startOrderRelay({
  config,
  logger,
  roles = rolesFrom(config),
  workflowBundle: givenBundle,
  tracing = activeTracing(),
}: StartOptions): Promise<RunningOrderRelay> {
  const address = config.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set');
  tracing?.withhold(secretValuesOf(config));
  // TLS, mTLS and API key (TEMPORAL_* variables or a TEMPORAL_PROFILE): a missing file stops the start here.
  const temporalSettings = loadTemporalConnectionSettings();
  const { security } = temporalSettings;
  logger.info({ temporal: address, ...temporalSettings.summary }, 'Temporal connection settings');
  const namespace = config.TEMPORAL_NAMESPACE;
  // A missing bundle file stops the start here, before anything connects.
  const workflowBundle = roles.worker
    ? (givenBundle ?? workflowBundleFromFile(config.WORKFLOW_BUNDLE_PATH, { traced: !!tracing }))
    : undefined;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closer of closers.reverse())
      await closer().catch((err: unknown) => logger.warn({ err }, 'error while stopping'));
  };

  // The SDK's own metrics, for a worker: exported on a loopback port of the runtime's own, included in
  // the worker's metrics endpoint (the runtime is installed once per process; later calls change nothing).
  const workerMetricsOn = roles.worker && config.WORKER_METRICS_ADDRESS !== 'off';
  if (workerMetricsOn && !temporalRuntimeInstalled()) {
    installTemporalRuntime(logger, { sdkMetricsAddress: `127.0.0.1:${await freeLoopbackPort()}` });
  } else {
    installTemporalRuntime(logger);
  }
  try {
    // PII protection: every payload this relay's clients and workers send is encrypted (src/codec).
    const { codec, dataConverter, keySource, createdKeyFile } = payloadCodecFromConfig(config, { create: true });
    if (createdKeyFile) {
      logger.warn(
        { keyFile: keySource },
        'created a payload codec key file; back it up, and give every order-relay process and the CLI the same keys (CODEC_KEYS) — see docs/operations.md',
      );
    }
    logger.info({ keySource, keyId: codec.currentKeyId }, 'payload codec: encrypting workflow payloads (AES-256-GCM)');
    const connection = await Connection.connect({
      address,
      ...security,
      connectTimeout: config.TEMPORAL_CONNECT_TIMEOUT_MS,
      // grpc-js backs reconnects off up to 120 s by default: after an outage the webhook would keep
      // answering 503 for up to two minutes after Temporal is back. Retry the connection every second.
      channelArgs: { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 1_000 },
      interceptors: temporalGrpcInterceptors(),
    });
    closers.push(() => connection.close());
    // With tracing, starts, updates and signals carry the caller's span (the webhook request's) to the workflow.
    const client = new Client({
      connection,
      namespace,
      dataConverter,
      ...(tracing ? { interceptors: { workflow: tracing.clientInterceptors } } : {}),
    });
    const added = await registerSearchAttributes(connection, namespace).catch((err: unknown) => {
      // Temporal Cloud registers search attributes through its own API, not the operator service.
      logger.warn(
        { err: (err as Error).message },
        'could not register search attributes; register them on the cluster (see docs/operations.md)',
      );
      return [];
    });
    if (added.length) logger.info({ added }, 'registered search attributes');

    // Validated at start-up (a broken directory stops the start with every problem listed), then
    // reloaded when its file changes; an invalid edit keeps the last good one (src/customers/directory-watcher.ts).
    const customerDirectory = watchCustomerDirectory(config.CUSTOMER_DIRECTORY_FILE, logger);
    closers.push(() => Promise.resolve(customerDirectory.close()));
    const customers = customerDirectory.customers;

    // The order record store: the worker records every order's stages; every role that starts orders
    // asks it first, so an order closed there is not started again after Temporal deleted its run.
    let store: OrderStore | undefined;
    if (roles.worker || roles.api) {
      mkdirSync(config.DATA_DIR, { recursive: true });
      const storeTarget = config.DATABASE_URL ?? defaultOrderStoreFile(config.DATA_DIR);
      const orderStore = await openOrderStore(storeTarget);
      logger.info({ store: describeStoreTarget(storeTarget) }, 'order record store open');
      store = orderStore;
      closers.push(() => orderStore.close());
    }
    const recordedStage = store ? store.latestStage.bind(store) : null;
    let businessMetrics: BusinessMetrics | undefined;
    let workerMetricsUrl: string | undefined;
    const sdkMetricsAddress = roles.worker ? temporalSdkMetricsAddress() : undefined;
    const workerMetricsText = async () =>
      (await processMetrics().metrics()) +
      (businessMetrics ? await businessMetrics.registry.metrics() : '') +
      (sdkMetricsAddress ? await scrapeSdkMetrics(sdkMetricsAddress) : '');
    let worker: Worker | undefined;
    let workerDone: Promise<void> = new Promise(() => undefined);
    if (roles.worker) {
      if (!config.HUBLIFY_URL || !config.HUBLIFY_CHANNEL_TOKEN)
        throw new Error(
          'HUBLIFY_URL and HUBLIFY_CHANNEL_TOKEN must be set for the worker (only a process that serves HTTP runs the Hublify sandbox)',
        );
      const hublify = new HublifyClient({
        baseUrl: config.HUBLIFY_URL,
        channel: config.HUBLIFY_CHANNEL,
        token: config.HUBLIFY_CHANNEL_TOKEN,
        timeoutMs: config.HUBLIFY_TIMEOUT_MS,
        logger,
      });
      const nativeConnection = await NativeConnection.connect({ address, ...security });
      closers.push(() => nativeConnection.close());
      businessMetrics = createBusinessMetrics();
      const activities = createOrderActivities({
        hublify,
        customers,
        store: store!,
        metrics: businessMetrics,
        notify: supportNotifySettings(config, logger),
        email: customerEmailSettings(config, logger),
      });
      // Without a bundle file the workflows are bundled here, once for both workers (each bundled them and
      // logged webpack's whole report), quietly: one line says so (issue 26.11).
      const bundle = workflowBundle ?? (await bundleOrderWorkflows({ tracing: !!tracing }));
      if (!workflowBundle)
        logger.info(
          { bytes: 'code' in bundle ? bundle.code.length : undefined },
          'workflows bundled (webpack), shared by the workers',
        );
      const w = await createOrderWorker({
        connection: nativeConnection,
        namespace,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        activities: {
          ...activities,
          // The Hublify sweep (workflows/hublify-sweep-workflow.ts) runs on this queue: it calls the same Hublify.
          ...createSweepActivities({
            hublify,
            client,
            logger,
            settings: () => ({
              overlapMs: config.HUBLIFY_SWEEP_OVERLAP,
              listLimit: config.HUBLIFY_LIST_LIMIT,
              endStates: [...config.TRACK_FINAL_STATES, ...config.TRACK_CANCELLED_STATES],
            }),
          }),
        },
        workflowBundle: bundle,
        shutdownGraceMs: config.WORKER_SHUTDOWN_GRACE_MS,
        dataConverter,
        tuning: workerTuningFrom(config),
        ...(tracing ? { tracing } : {}),
      });
      worker = w;
      workerDone = w.run();
      closers.push(async () => {
        if (w.getState() === 'RUNNING') w.shutdown();
        await workerDone.catch(() => undefined);
      });
      // The Hublify sweep's schedule (paused when HUBLIFY_SWEEP_INTERVAL=0): made once the worker runs its workflow.
      await ensureSweepSchedule(
        client,
        {
          channel: config.HUBLIFY_CHANNEL,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          everyMs: config.HUBLIFY_SWEEP_INTERVAL,
          initialCursor: new Date().toISOString(),
        },
        logger,
      );
      // Apicbase pull and reconciliation: their own rate-limited worker and Schedules (docs/apicbase.md).
      const apicbase = await startApicbaseIntegration({
        config,
        logger,
        client,
        connection: nativeConnection,
        starter: {
          client,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          settings: () => orderWorkflowSettings(config),
          recordedStage,
        },
        workflowBundle: bundle,
        dataConverter,
        ...(tracing ? { tracing } : {}),
      });
      closers.push(() => apicbase.close());
      if (apicbase.done) workerDone = Promise.all([workerDone, apicbase.done]).then(() => undefined);
      if (workerMetricsOn) {
        // Metrics must not stop orders: a taken address is logged as an error, and the worker runs on.
        const metricsServer = await startMetricsServer(config.WORKER_METRICS_ADDRESS, workerMetricsText).catch(
          (err: unknown) => {
            logger.error({ err: (err as Error).message }, 'worker metrics endpoint not started');
            return undefined;
          },
        );
        if (metricsServer) {
          workerMetricsUrl = metricsServer.url;
          closers.push(() => metricsServer.close());
          logger.info({ url: metricsServer.url, sdkMetrics: !!sdkMetricsAddress }, 'worker metrics endpoint listening');
        }
      }
    }

    let httpPort: number | undefined;
    let metricsUrl: string | undefined;
    if (roles.api) {
      const refusalStore = store!;
      const metrics = createHttpMetrics();
      const starter: OrderStarterDeps = {
        client,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        settings: () => orderWorkflowSettings(config),
        recordedStage,
      };
      const secrets = [config.APICBASE_WEBHOOK_SECRET, config.APICBASE_WEBHOOK_SECRET_PREVIOUS].filter(
        (s): s is string => !!s,
      );
      // The process's metrics, and a worker's in this process (business and SDK), on /metrics too.
      const extraMetrics = roles.worker ? workerMetricsText : () => processMetrics().metrics();
      const app = createHttpApp({
        logger,
        metrics,
        extraMetrics,
        metricsHere: !config.METRICS_ADDRESS,
        secretQueryPaths: [HUBLIFY_WEBHOOK_PATH],
        readiness: [
          {
            name: 'temporal',
            check: async () =>
              (await connection.healthService.check({})).status ===
              grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING,
          },
          ...(worker ? [{ name: 'worker', check: () => Promise.resolve(worker?.getState() === 'RUNNING') }] : []),
        ],
        routers: [
          // The Web UI's and the CLI's remote codec: decoded payloads for authorised operators (src/codec).
          codecRoutes({
            codec,
            namespace,
            tokens: [config.CODEC_AUTH_TOKEN, config.ADMIN_TOKEN],
            allowedOrigins: config.CODEC_CORS_ORIGINS ?? originsFor(config.TEMPORAL_UI_URL),
            loopbackUnauthenticated: config.CODEC_LOOPBACK_UNAUTHENTICATED ?? false,
            logger,
          }),
          apicbaseWebhookRoutes({
            client,
            starter,
            secrets: () => secrets,
            signatureForm: config.APICBASE_SIGNATURE_FORM,
            customers,
            ackMode: config.WEBHOOK_ACK_MODE,
            acceptDeadlineMs: config.WEBHOOK_ACCEPT_DEADLINE_MS,
            verifyDeadlineMs: config.WEBHOOK_VERIFY_DEADLINE_MS,
            bodyLimit: config.WEBHOOK_BODY_LIMIT,
            webUiBaseUrl: config.TEMPORAL_UI_URL,
            namespace,
            metrics,
            logger,
            recordRefusal: (record) => refusalStore.recordRefusal(record),
          }),
          hublifyWebhookRoutes({
            client,
            token: config.HUBLIFY_WEBHOOK_TOKEN,
            metrics,
            deadlineMs: config.WEBHOOK_ACCEPT_DEADLINE_MS,
          }),
          // The operator CLI's operations over HTTP (docs/operations.md); 503 unless ADMIN_TOKEN is set.
          adminRoutes({
            token: config.ADMIN_TOKEN,
            ops: operationsContext(config, client, recordedStage, refusalStore),
            config,
            connection,
            customerDirectory: customerDirectory.state,
          }),
        ],
      });
      const http = await listen(app, config.HOST, config.PORT);
      httpPort = http.port;
      // Stop taking requests first (in-flight ones finish), then the worker, then connections.
      closers.push(http.close);
      if (config.METRICS_ADDRESS) {
        // /metrics off the public port: a taken address stops the start (unlike the worker's, this is the API's only one).
        const { host, port } = parseHostPort(config.METRICS_ADDRESS);
        const metricsHttp = await listen(createMetricsApp({ metrics, extraMetrics }), host, port);
        closers.push(metricsHttp.close);
        metricsUrl = `${reachableUrl(host, metricsHttp.port)}/metrics`;
        logger.info({ url: metricsUrl }, 'metrics endpoint listening (METRICS_ADDRESS)');
      }
    }

    return {
      client,
      codec,
      customerDirectory,
      ...(store ? { store } : {}),
      ...(worker ? { worker } : {}),
      ...(httpPort !== undefined ? { httpPort } : {}),
      ...(metricsUrl ? { metricsUrl } : {}),
      ...(businessMetrics ? { businessMetrics } : {}),
      ...(workerMetricsUrl ? { workerMetricsUrl } : {}),
      workerDone,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
