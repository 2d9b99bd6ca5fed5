// What the operations need: a Temporal client and where orders run. The admin API builds it from the
// running relay's client; the CLI connects on its own (connectOperations) from the same configuration.
import { Client, type Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { payloadCodecFromConfig } from '../codec';
import type { Config } from '../config';
import { orderWorkflowSettings } from '../orders/order-settings';
import type { OrderStarterDeps, RecordedStageLookup } from '../orders/start-order';
import type { OrderWorkflowSettings } from '../../workflows/order-status';
import { loadTemporalConnectionSettings, type TemporalSecurityOptions } from '../temporal/connection-settings';
import { connectTemporal } from '../temporal/connect';
import { OperationError } from './errors';
import { refusalsFromStore, type RefusalLookup } from './refusals';

export interface OperationsContext {
  client: Client;
  namespace: string;
  taskQueue: string;
  /** Base of the Temporal Web UI links (undefined: no links). */
  webUiBaseUrl: string | undefined;
  /** The workflow settings a replayed order starts with. */
  settings: () => OrderWorkflowSettings;
  /** The order record store, asked before a replay starts an order (src/orders/start-order.ts). */
  recordedStage: RecordedStageLookup | null;
  /** Refused orders (the order store), for `orders show` and `list --stage REJECTED`; none: not looked up. */
  refusals?: RefusalLookup;
}

export function operationsContext(
  config: Config,
  client: Client,
  recordedStage: RecordedStageLookup | null,
  refusals?: RefusalLookup,
): OperationsContext {
  return {
    client,
    ...(refusals ? { refusals } : {}),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    webUiBaseUrl: webUiBaseUrl(config),
    settings: () => orderWorkflowSettings(config),
    recordedStage,
  };
}

export function starterFrom(ctx: OperationsContext): OrderStarterDeps {
  return { client: ctx.client, taskQueue: ctx.taskQueue, settings: ctx.settings, recordedStage: ctx.recordedStage };
}

/**
 * The CLI's view of the order record store (DATABASE_URL, or the SQLite file in DATA_DIR), opened on
 * first use only: most commands never need it.
 */

/** TEMPORAL_ADDRESS, or the embedded dev server `npm start` runs when it is not set. */
export function temporalAddress(config: Config): string {
  return config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}`;
}

/** TEMPORAL_UI_URL, or the embedded dev server's Web UI when order-relay runs it. */
export function webUiBaseUrl(config: Config): string | undefined {
  return (
    config.TEMPORAL_UI_URL ?? (config.TEMPORAL_ADDRESS ? undefined : `http://127.0.0.1:${config.TEMPORAL_DEV_UI_PORT}`)
  );
}

export interface ConnectedOperations {
  ctx: OperationsContext;
  connection: Connection;
  close(): Promise<void>;
}

/**
 * Connects to Temporal the way order-relay does (same address, namespace and client options).
 * Throws OperationError('unavailable') when Temporal does not answer within TEMPORAL_CONNECT_TIMEOUT_MS.
 */
export async function connectOperations(config: Config): Promise<ConnectedOperations> {
  const address = temporalAddress(config);
  let security: TemporalSecurityOptions;
  try {
    security = loadTemporalConnectionSettings().security;
  } catch (err) {
    throw new OperationError('config', (err as Error).message);
  }
  let connection: Connection;
  try {
    connection = await connectTemporal(address, config.TEMPORAL_CONNECT_TIMEOUT_MS, security);
  } catch (err) {
    throw new OperationError('unavailable', (err as Error).message);
  }
  // The relay's payload codec (src/codec): statuses and histories are encrypted. Keys from CODEC_KEYS
  // or order-relay's key file in DATA_DIR (never created here).
  let dataConverter: DataConverter;
  try {
    dataConverter = payloadCodecFromConfig(config, { create: false }).dataConverter;
  } catch (err) {
    await connection.close();
    throw new OperationError('config', (err as Error).message);
  }
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
  // The relay's order store, opened only when a command needs it (refused orders, a replay's check).
  const refusals = refusalsFromStore(config);
  return {
    ctx: operationsContext(config, client, refusals.latestStage, refusals),
    connection,
    close: async () => {
      await refusals.close();
      await connection.close();
    },
  };
}
