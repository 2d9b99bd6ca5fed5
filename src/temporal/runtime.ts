// Sends the Temporal SDK's own log lines (worker, workflow and activity loggers) through pino, so
// every line is structured JSON and carries the workflow id the SDK attaches.
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * Installs the SDK runtime with our logger. The SDK allows one runtime per process and creates a
 * default one on first use, so call this before any connection; later calls change nothing.
 */
export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  const minimum = logger.levelVal <= 20 ? 'DEBUG' : logger.levelVal <= 30 ? 'INFO' : logger.levelVal <= 40 ? 'WARN' : 'ERROR';
  try {
    Runtime.install({
      logger: new DefaultLogger(minimum, (entry: LogEntry) => {
        sdkLogger[LEVELS[entry.level]](entry.meta ?? {}, entry.message);
      }),
    });
  } catch (err) {
    // Something in this process already used the SDK (e.g. a test environment): keep its runtime.
    logger.debug({ err: (err as Error).message }, 'Temporal runtime already installed');
  }
}
