// Sends the Temporal SDK's own log lines (worker, workflow and activity loggers) through pino, so
// every line is structured JSON and carries the workflow id the SDK attaches; and, when asked, has the
// SDK export its own metrics (workers, pollers, task latencies…) for Prometheus on a loopback port,
// which the worker's metrics endpoint includes (src/observability/metrics-server.ts).
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { Logger } from 'pino';
import { loggableFields } from '../log-safe-error';

let installed = false;
let sdkMetricsAddress: string | undefined;

export interface TemporalRuntimeOptions {
  /** host:port where the SDK's Prometheus exporter listens (GET /metrics); none when unset. */
  sdkMetricsAddress?: string;
}

/** True once installTemporalRuntime ran (later calls change nothing). */
export function temporalRuntimeInstalled(): boolean {
  return installed;
}

/** Where the installed runtime exports the SDK's metrics (undefined: it does not). */
export function temporalSdkMetricsAddress(): string | undefined {
  return sdkMetricsAddress;
}

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * Installs the SDK runtime with our logger. The SDK allows one runtime per process and creates a
 * default one on first use, so call this before any connection; later calls change nothing.
 */
export function installTemporalRuntime(logger: Logger, opts: TemporalRuntimeOptions = {}): void {
  if (installed) return;
  installed = true;
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  const minimum =
    logger.levelVal <= 20 ? 'DEBUG' : logger.levelVal <= 30 ? 'INFO' : logger.levelVal <= 40 ? 'WARN' : 'ERROR';
  try {
    Runtime.install({
      logger: new DefaultLogger(minimum, (entry: LogEntry) => {
        // The SDK logs failures as Error objects ("Activity failed"): logged by name, type and message, never their details.
        sdkLogger[LEVELS[entry.level]](loggableFields(entry.meta ?? {}), entry.message);
      }),
      ...(opts.sdkMetricsAddress
        ? { telemetryOptions: { metrics: { prometheus: { bindAddress: opts.sdkMetricsAddress } } } }
        : {}),
    });
    sdkMetricsAddress = opts.sdkMetricsAddress;
  } catch (err) {
    // Something in this process already used the SDK (e.g. a test environment): keep its runtime.
    logger.debug({ err: (err as Error).message }, 'Temporal runtime already installed');
  }
}
