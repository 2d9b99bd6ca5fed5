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
  return pino({ level, base: { service: 'order-relay' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

export type { Logger };
