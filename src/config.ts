// All configuration comes from environment variables (the same names in npm start, docker-compose
// and a cluster). Secrets may instead come from a file named by <NAME>_FILE, so they can be mounted
// rather than placed in the environment. Validated once, with every problem listed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ms from 'ms';
import { z } from 'zod';
import { SIGNATURE_FORM_SETTINGS } from './ingress/apicbase-signature';

const PROJECT_ROOT = path.resolve(__dirname, '..');

const durationMs = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const csv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    );

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** A duration as milliseconds or in `ms` notation ("30s", "5m", "1d"). */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const value = ms(s.trim() as ms.StringValue) as number | undefined;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30s, 5m, 1h, 1d or milliseconds' });
        return z.NEVER;
      }
      return Math.round(value);
    });
/** A shared secret someone could guess or brute-force offline when short (a signature is an HMAC of a known body). */
const sharedSecret = () => z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 32`)');

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[^\s:]+):\d{1,5}$/;
const hostPort = z.string().regex(HOST_PORT, 'must be host:port (e.g. 127.0.0.1:9465)');

/** A JSON object given as text (request bodies whose shape the vendor does not document). */
const jsonObject = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      try {
        const value: unknown = JSON.parse(s);
        if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    });

export const configSchema = z
  .object({
    // Which parts this process runs: both by default; docker-compose runs them as separate services.
    ORDER_RELAY_ROLES: z
      .string()
      .default('api,worker')
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(['api', 'worker'])).min(1)),

    // Where order-relay listens.
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().default(path.join(PROJECT_ROOT, '.data')),
    // The order record store shared by every process: postgres://user:password@host:5432/db (TLS via
    // ?sslmode=require). Unset = the SQLite file DATA_DIR/orders.sqlite, for one worker process.
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//i, 'must be a postgres:// (or postgresql://) URL')
      .optional(),

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
    HUBLIFY_CHANNEL: z
      .string()
      .regex(/^[A-Za-z0-9_]+$/)
      .default('channel_10'),
    HUBLIFY_CHANNEL_TOKEN: z.string().optional(),
    HUBLIFY_TIMEOUT_MS: durationMs(15_000),
    HUBLIFY_SANDBOX_PORT: z.coerce.number().int().default(4010),
    // The embedded sandbox pushes each change to the relay as a Hublify set up for it would; false: it
    // does not, as a Hublify whose operator set up no webhook (shipments are then seen by the sweep).
    HUBLIFY_SANDBOX_PUSH: z.stringbool().default(true),
    // Shared token Hublify's outbound webhook must present (header X-Hublify-Webhook-Token or ?token=).
    HUBLIFY_WEBHOOK_TOKEN: sharedSecret().optional(),
    // The Hublify sweep (docs/scaling.md#the-hublify-sweep): one order_getList of the orders whose state
    // changed since the last successful sweep, every interval (0 = off), started again this far back.
    HUBLIFY_SWEEP_INTERVAL: duration('1m'),
    HUBLIFY_SWEEP_OVERLAP: duration('2m'),
    // order_getList answers with this many rows (or a total above its rows) are taken as capped: the sweep
    // narrows them per state (undocumented by Hublify; "pre-configured filters could apply").
    HUBLIFY_LIST_LIMIT: z.coerce.number().int().positive().default(100),

    // Apicbase webhook: the HMAC key, and an optional second one while a secret is rotated.
    APICBASE_WEBHOOK_SECRET: sharedSecret().optional(),
    APICBASE_WEBHOOK_SECRET_PREVIOUS: sharedSecret().optional(),
    // What the signature is over: the raw body, Python's json.dumps of it (Apicbase's sample), or `auto`:
    // both, raw first. The Python form is computed only for bodies up to 64 KiB (src/ingress/apicbase-signature.ts).
    APICBASE_SIGNATURE_FORM: z.enum(SIGNATURE_FORM_SETTINGS).default('auto'),
    WEBHOOK_ACK_MODE: z.enum(['accepted', 'verified']).default('verified'),
    WEBHOOK_ACCEPT_DEADLINE_MS: durationMs(5_000),
    WEBHOOK_VERIFY_DEADLINE_MS: durationMs(8_000),
    WEBHOOK_BODY_LIMIT: z.string().default('1mb'),

    // Bearer token of the admin API (/admin/…, docs/operations.md); unset = the admin API answers 503.
    ADMIN_TOKEN: sharedSecret().optional(),
    // The operator CLI: the running relay's base URL (http://host:PORT), so `doctor` asks the relay's admin API
    // (GET /admin/doctor, with ADMIN_TOKEN) instead of judging the CLI's own environment. Same as --server.
    ORDER_RELAY_ADMIN_URL: z.string().url().optional(),

    // PII protection: the payload codec's AES-256 keys, `id:base64key,id2:base64key` (commas or newlines),
    // the first one encrypting, the others kept for decryption (docs/operations.md). Unset = the key file
    // DATA_DIR/payload-codec.keys, created (0600) on the first start and reused.
    CODEC_KEYS: z.string().optional(),
    // Bearer token of the codec endpoint /codec/{encode,decode} (ADMIN_TOKEN is accepted too).
    CODEC_AUTH_TOKEN: sharedSecret().optional(),
    // Browser origins (the Temporal Web UI's) allowed to call the codec endpoint; default: TEMPORAL_UI_URL's origin.
    CODEC_CORS_ORIGINS: z
      .string()
      .optional()
      .transform((s) =>
        s
          ? s
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean)
          : undefined,
      ),
    // Embedded dev server only: the codec endpoint decodes for loopback callers without a token, because
    // the dev Web UI cannot send one. `npm start` turns it on when it runs the dev server; refused with
    // TEMPORAL_ADDRESS (a cluster), checked below.
    CODEC_LOOPBACK_UNAUTHENTICATED: z.stringbool().optional(),
    // The API's /metrics on an address of its own (host:port), so it need not share the public webhook
    // port; unset = /metrics on HOST:PORT as before.
    METRICS_ADDRESS: hostPort.optional(),
    // A worker process's Prometheus endpoint (GET /metrics): the Temporal SDK's metrics and the business
    // metrics. `off` = none.
    WORKER_METRICS_ADDRESS: z
      .string()
      .default('127.0.0.1:9464')
      .refine((s) => s === 'off' || HOST_PORT.test(s), 'must be host:port (e.g. 127.0.0.1:9464) or off'),

    // Worker tuning (docs/benchmarks.md has the measurements behind the defaults). Slots: how many workflow
    // tasks, activities and local activities one worker runs at once; pollers: how many long-polls it keeps
    // open per kind; the sticky cache: how many workflows it keeps in memory between their tasks (an evicted
    // one is replayed from its history when it next wakes, so a small cache costs a little CPU, not
    // correctness, and bounds memory when many orders wait for shipment).
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).default(40),
    WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().default(100),
    WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: z.coerce.number().int().positive().default(100),
    WORKER_WORKFLOW_TASK_POLLERS: z.coerce.number().int().min(2).default(10),
    WORKER_ACTIVITY_TASK_POLLERS: z.coerce.number().int().positive().default(10),
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().nonnegative().default(250),

    // Support notifications (docs/operations.md): a POST per order that needs support. Slack-compatible
    // {"text": …} by default, a plain JSON event with NOTIFY_FORMAT=json. Unset URL = none sent.
    NOTIFY_WEBHOOK_URL: z.string().url().optional(),
    NOTIFY_FORMAT: z.enum(['slack', 'json']).default('slack'),
    NOTIFY_TIMEOUT_MS: durationMs(10_000),
    // E-mail to the customer when a pulled order cannot be fulfilled. Unset SMTP_URL = none sent.
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/\S+$/, 'must be smtp://[user:pass@]host[:port] or smtps://…')
      .optional(),
    SMTP_FROM: z.string().default('order-relay <order-relay@localhost>'),
    SMTP_TIMEOUT_MS: durationMs(30_000),
    // Who signs the customer e-mail, and how the customer reaches the supplier (one line: phone, e-mail).
    SUPPLIER_NAME: z.string().default('Your supplier'),
    SUPPLIER_CONTACT: z.string().optional(),

    // A workflow bundle made at build time (`npm run build` writes dist/workflow-bundle.js): the worker
    // loads it instead of running webpack at start. Unset = bundle the workflows/ sources at start.
    WORKFLOW_BUNDLE_PATH: z.string().optional(),
    // On SIGTERM the worker stops polling and gives in-flight tasks this long to finish (then cancels them).
    WORKER_SHUTDOWN_GRACE_MS: durationMs(20_000),

    // The customer directory: supplier customer number -> addresses, VAT rate, price mode.
    CUSTOMER_DIRECTORY_FILE: z.string().default(path.join(PROJECT_ROOT, 'config', 'customers.example.json')),

    // Order workflow timing. Durations in milliseconds so tests can run durable waits in seconds.
    INJECT_RETRY_INITIAL_MS: durationMs(5_000),
    INJECT_RETRY_MAX_INTERVAL_MS: durationMs(10 * MINUTE),
    INJECT_RETRY_FOR_MS: durationMs(24 * HOUR),
    // An amendment waits this long for an injection in flight, then answers `pending` (202).
    AMEND_WAIT_MS: durationMs(20_000),
    // The per-order polls are the safety net behind the Hublify sweep and push (docs/scaling.md): twice a
    // day. With the sweep off (HUBLIFY_SWEEP_INTERVAL=0) and no push, set a faster one, e.g. 10m*18,1h.
    TRACK_POLL_SCHEDULE: z.string().default('24h'),
    TRACK_FINAL_STATES: csv('shipped'),
    TRACK_CANCELLED_STATES: csv('cancelled,canceled,storno'),
    TRACK_OVERDUE_GRACE_MS: durationMs(24 * HOUR),
    TRACK_HARD_LIMIT_MS: durationMs(30 * 24 * HOUR),
    TRACK_POLLS_PER_RUN: z.coerce.number().int().positive().default(100),

    // Apicbase pull API, reconciliation and OAuth (docs/apicbase.md). Without APICBASE_API_URL there is
    // no pull and no reconciliation; `npm start` then runs the Apicbase sandbox unless a webhook secret is set.
    APICBASE_MODE: z.enum(['webhook', 'pull', 'both']).default('webhook'),
    APICBASE_API_URL: z.string().url().optional(),
    APICBASE_AUTHORIZE_URL: z.string().url().optional(),
    APICBASE_TOKEN_URL: z.string().url().optional(),
    APICBASE_CLIENT_ID: z.string().optional(),
    APICBASE_CLIENT_SECRET: z.string().optional(),
    APICBASE_REDIRECT_URI: z.string().url().optional(),
    APICBASE_SCOPE: z.string().optional(),
    // A token created in the Apicbase UI; used as is (never refreshed) instead of the token store.
    APICBASE_ACCESS_TOKEN: z.string().optional(),
    // AES-256-GCM key of the token store (64 hex digits or base64 of 32 bytes); default: a key file in DATA_DIR.
    APICBASE_TOKEN_KEY: z.string().optional(),
    APICBASE_TOKEN_STORE: z.string().optional(),
    APICBASE_TOKEN_REFRESH_MARGIN_MS: durationMs(24 * HOUR),
    APICBASE_TIMEOUT_MS: durationMs(15_000),
    APICBASE_TASK_QUEUE: z.string().default('apicbase-api'),
    APICBASE_RATE_LIMIT_PER_MINUTE: z.coerce.number().positive().default(90),
    APICBASE_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(200),
    APICBASE_POLL_INTERVAL: duration('5m'),
    APICBASE_POLL_OVERLAP: duration('5m'),
    APICBASE_PULL_SINCE: z.iso.datetime({ offset: true }).optional(),
    APICBASE_MARK_FETCHED: z.stringbool().default(true),
    // Once an order is in Hublify, mark it viewed_by_supplier in Apicbase (the customer sees it; irreversible).
    APICBASE_MARK_VIEWED: z.stringbool().default(false),
    APICBASE_PATCH_PATH: z
      .string()
      .regex(/\{id\}/, 'must contain {id}')
      .default('/api/v2/integrations/suppliers/purchase_orders/{id}/'),
    APICBASE_FETCHED_PATCH_BODY: jsonObject('{"fetched_by_supplier": true}'),
    APICBASE_VIEWED_PATCH_BODY: jsonObject('{"viewed_by_supplier": true}'),
    APICBASE_RECONCILE_INTERVAL: duration('1d'),
    APICBASE_RECONCILE_LOOKBACK: duration('30d'),
    APICBASE_RECONCILE_GRACE: duration('5m'),
    APICBASE_SANDBOX_PORT: z.coerce.number().int().default(4020),
  })
  .superRefine((c, ctx) => {
    // The embedded dev server's address is added after this check (src/main.ts): a TEMPORAL_ADDRESS here is a cluster.
    if (c.CODEC_LOOPBACK_UNAUTHENTICATED && c.TEMPORAL_ADDRESS) {
      ctx.addIssue({
        code: 'custom',
        path: ['CODEC_LOOPBACK_UNAUTHENTICATED'],
        message:
          'must not be true with TEMPORAL_ADDRESS (a cluster): callers of the codec endpoint need CODEC_AUTH_TOKEN or ADMIN_TOKEN',
      });
    }
    // The SDK refuses more pollers than slots; say so at start-up, naming the variables.
    if (c.WORKER_WORKFLOW_TASK_POLLERS > c.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS) {
      ctx.addIssue({
        code: 'custom',
        path: ['WORKER_WORKFLOW_TASK_POLLERS'],
        message: 'must not exceed WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
      });
    }
    if (c.WORKER_ACTIVITY_TASK_POLLERS > c.WORKER_MAX_CONCURRENT_ACTIVITIES) {
      ctx.addIssue({
        code: 'custom',
        path: ['WORKER_ACTIVITY_TASK_POLLERS'],
        message: 'must not exceed WORKER_MAX_CONCURRENT_ACTIVITIES',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

const SECRET_KEYS = [
  'HUBLIFY_CHANNEL_TOKEN',
  'HUBLIFY_WEBHOOK_TOKEN',
  'APICBASE_WEBHOOK_SECRET',
  'APICBASE_WEBHOOK_SECRET_PREVIOUS',
  'APICBASE_CLIENT_SECRET',
  'APICBASE_ACCESS_TOKEN',
  'APICBASE_TOKEN_KEY',
  'ADMIN_TOKEN',
  'CODEC_KEYS',
  'CODEC_AUTH_TOKEN',
  // Slack's webhook URL is its token; an SMTP URL may hold a password.
  'NOTIFY_WEBHOOK_URL',
  'SMTP_URL',
  'DATABASE_URL',
] as const;

/** The configuration's secret values that are set (kept out of traces: src/observability/span-scrubbing.ts). */
export function secretValuesOf(config: Partial<Record<(typeof SECRET_KEYS)[number], string | undefined>>): string[] {
  return SECRET_KEYS.map((key) => config[key]).filter((value): value is string => !!value);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads `<NAME>_FILE` for each secret that is not set directly. */
function withSecretFiles(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  const unreadable: string[] = [];
  for (const key of SECRET_KEYS) {
    const file = env[`${key}_FILE`];
    if (out[key] || !file) continue;
    try {
      out[key] = readFileSync(file, 'utf8').trim();
    } catch (err) {
      // The path and the reason only (e.g. ENOENT), never file contents.
      unreadable.push(`${key}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
  if (unreadable.length) throw new ConfigError(unreadable);
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
