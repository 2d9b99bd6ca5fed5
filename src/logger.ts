// Structured JSON logs (pino). Secrets are redacted by key wherever they appear in a log object.
import pino, { type Logger } from 'pino';

export const REDACTED_PATHS = [
  '*.token',
  '*.secret',
  // Apicbase OAuth (never logged on purpose; redacted in case an object carrying one is)
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  'headers["api-channel-token"]',
  'headers["x-apic-webhook-signature"]',
  'headers.authorization',
  'req.headers["api-channel-token"]',
  'req.headers["x-apic-webhook-signature"]',
  'req.headers.authorization',
];

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: 'order-relay' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    destination,
  );
}

/**
 * Writes `text` (not a log line: `npm start`'s banner) to the logger's own stream, after every line logged so far.
 * pino writes asynchronously, so text written to process.stdout directly would come out before lines logged
 * earlier and scroll away under them (issue 26.11).
 */
export function writeAfterLogs(logger: Logger, text: string): void {
  const stream = (logger as unknown as Record<symbol, { write?: (chunk: string) => unknown } | undefined>)[
    pino.symbols.streamSym
  ];
  if (stream?.write) stream.write(text);
  else process.stdout.write(text);
}

export type { Logger };
