// All configuration comes from environment variables (the same names in npm start, docker-compose
// and a cluster). Secrets may instead come from a file named by <NAME>_FILE, so they can be mounted
// rather than placed in the environment. Validated once, with every problem listed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const PROJECT_ROOT = path.resolve(__dirname, '..');

const durationMs = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const csv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const HOUR = 3_600_000;
const MINUTE = 60_000;

export const configSchema = z.object({
  // Which parts this process runs: both by default; docker-compose runs them as separate services.
  ORDER_RELAY_ROLES: z
    .string()
    .default('api,worker')
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['api', 'worker'])).min(1)),

  // Where order-relay listens.
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default(path.join(PROJECT_ROOT, '.data')),

  // Temporal. Without TEMPORAL_ADDRESS, `npm start` runs the embedded dev server.
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('order-relay'),
  TEMPORAL_UI_URL: z.string().optional(),
  TEMPORAL_CLI_PATH: z.string().optional(),
  TEMPORAL_DEV_PORT: z.coerce.number().int().default(7233),
  TEMPORAL_DEV_UI_PORT: z.coerce.number().int().default(8233),
  TEMPORAL_CONNECT_TIMEOUT_MS: durationMs(5_000),

  // Hublify channel API. Without HUBLIFY_URL, `npm start` runs the embedded Hublify sandbox.
  HUBLIFY_URL: z.string().url().optional(),
  HUBLIFY_CHANNEL: z.string().regex(/^[A-Za-z0-9_]+$/).default('channel_10'),
  HUBLIFY_CHANNEL_TOKEN: z.string().optional(),
  HUBLIFY_TIMEOUT_MS: durationMs(15_000),
  HUBLIFY_SANDBOX_PORT: z.coerce.number().int().default(4010),
  // Shared token Hublify's outbound webhook must present (header X-Hublify-Webhook-Token or ?token=).
  HUBLIFY_WEBHOOK_TOKEN: z.string().optional(),

  // Apicbase webhook: the HMAC key, and an optional second one while a secret is rotated.
  APICBASE_WEBHOOK_SECRET: z.string().optional(),
  APICBASE_WEBHOOK_SECRET_PREVIOUS: z.string().optional(),
  WEBHOOK_ACK_MODE: z.enum(['accepted', 'verified']).default('verified'),
  WEBHOOK_ACCEPT_DEADLINE_MS: durationMs(5_000),
  WEBHOOK_VERIFY_DEADLINE_MS: durationMs(8_000),
  WEBHOOK_BODY_LIMIT: z.string().default('1mb'),

  // The customer directory: supplier customer number -> addresses, VAT rate, price mode.
  CUSTOMER_DIRECTORY_FILE: z.string().default(path.join(PROJECT_ROOT, 'config', 'customers.example.json')),

  // Order workflow timing. Durations in milliseconds so tests can run durable waits in seconds.
  INJECT_RETRY_INITIAL_MS: durationMs(5_000),
  INJECT_RETRY_MAX_INTERVAL_MS: durationMs(10 * MINUTE),
  INJECT_RETRY_FOR_MS: durationMs(24 * HOUR),
  TRACK_POLL_SCHEDULE: z.string().default('10m*18,1h'),
  TRACK_FINAL_STATES: csv('shipped'),
  TRACK_CANCELLED_STATES: csv('cancelled,canceled,storno'),
  TRACK_OVERDUE_GRACE_MS: durationMs(24 * HOUR),
  TRACK_HARD_LIMIT_MS: durationMs(30 * 24 * HOUR),
  TRACK_POLLS_PER_RUN: z.coerce.number().int().positive().default(100),
});

export type Config = z.infer<typeof configSchema>;

const SECRET_KEYS = ['HUBLIFY_CHANNEL_TOKEN', 'HUBLIFY_WEBHOOK_TOKEN', 'APICBASE_WEBHOOK_SECRET', 'APICBASE_WEBHOOK_SECRET_PREVIOUS'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads `<NAME>_FILE` for each secret that is not set directly. */
function withSecretFiles(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const key of SECRET_KEYS) {
    const file = env[`${key}_FILE`];
    if (!out[key] && file) out[key] = readFileSync(file, 'utf8').trim();
  }
  // An empty variable means "not set", as in docker-compose's `${VAR:-}`.
  for (const [key, value] of Object.entries(out)) if (value === '') delete out[key];
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(withSecretFiles(env));
  if (!parsed.success) {
    // Only the key names and zod's message: never a value, which could be a secret.
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}

/** Every environment variable the app reads (used to check docker-compose.yml and the README). */
export const CONFIG_KEYS: readonly string[] = [
  ...Object.keys(configSchema.shape),
  ...SECRET_KEYS.map((k) => `${k}_FILE`),
];

export { PROJECT_ROOT };
