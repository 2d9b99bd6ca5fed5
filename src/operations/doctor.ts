// `order-relay doctor` / GET /admin/doctor: is this installation able to relay orders? Configuration,
// the customer directory, Temporal (reachable, namespace, search attributes), Hublify (`stats`) and the
// Apicbase token. Never prints a secret: only whether it is set and what the far side said.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ConnectionLike } from '@temporalio/client';
import type { Config } from '../config';
import { HublifyClient } from '../hublify/client';
import { SANDBOX_DEFAULTS } from '../hublify/sandbox/server';
import { wantsApicbaseSandbox } from '../apicbase/sandbox/embedded';
import { tokenStoreFrom } from '../apicbase/from-config';
import { oauthSettings } from '../apicbase/oauth';
import { defaultTokenStoreFile } from '../apicbase/token-store';
import { ORDER_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import type { CustomerDirectoryState } from '../customers/directory-watcher';
import { checkCustomerDirectory } from './customers';
import { notificationChecks, type NotificationCheck } from './doctor-notifications';
import { OperationError } from './errors';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  name:
    | 'configuration'
    | 'admin API'
    | 'customer directory'
    | 'temporal'
    | 'hublify'
    | 'apicbase token'
    | NotificationCheck['name'];
  status: CheckStatus;
  detail: string;
}

export interface DoctorReport {
  /** No check failed (warnings allowed). */
  ok: boolean;
  /** False when Temporal could not be reached (the CLI then exits 4). */
  temporalReachable: boolean;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  config: Config;
  /** The Temporal connection to check (the CLI connects here; the admin API passes the relay's). */
  connect: () => Promise<ConnectionLike>;
  /** Per remote check. */
  timeoutMs?: number;
  /** The running relay's customer directory (the admin API passes it): what it uses, and a rejected edit. */
  customerDirectory?: () => CustomerDirectoryState;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function configurationChecks(config: Config): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const notes: string[] = [];
  // With the embedded Apicbase sandbox, `npm start` gives the relay the sandbox's signing secret itself.
  if (config.APICBASE_MODE !== 'pull' && !config.APICBASE_WEBHOOK_SECRET && !wantsApicbaseSandbox(config)) {
    notes.push('APICBASE_WEBHOOK_SECRET is not set: every Apicbase webhook is refused');
  }
  if (config.HUBLIFY_URL && !config.HUBLIFY_WEBHOOK_TOKEN)
    notes.push("HUBLIFY_WEBHOOK_TOKEN is not set: Hublify's push is refused (orders are still polled)");
  checks.push({
    name: 'configuration',
    status: notes.length ? 'warn' : 'ok',
    detail: notes.length ? `valid; ${notes.join('; ')}` : 'valid',
  });
  checks.push(
    config.ADMIN_TOKEN
      ? { name: 'admin API', status: 'ok', detail: 'ADMIN_TOKEN is set' }
      : { name: 'admin API', status: 'skip', detail: 'not configured (ADMIN_TOKEN is not set: /admin answers 503)' },
  );
  return checks;
}

function liveCustomerCheck(live: CustomerDirectoryState): DoctorCheck {
  const inUse = `${live.customers} customer${live.customers === 1 ? '' : 's'} from ${live.file}, loaded ${live.loadedAt}`;
  if (live.rejectedEdit) {
    return {
      name: 'customer directory',
      status: 'fail',
      detail: `the file's edit of ${live.rejectedEdit.at} is invalid and was not taken: ${live.rejectedEdit.problems.join('; ')} — the relay still uses the last good directory (${inUse}); fix the file (order-relay customers check)`,
    };
  }
  return { name: 'customer directory', status: 'ok', detail: `${inUse} (reloaded when the file changes)` };
}

function customerCheck(config: Config, live?: () => CustomerDirectoryState): DoctorCheck {
  if (live) return liveCustomerCheck(live());
  try {
    const result = checkCustomerDirectory(config.CUSTOMER_DIRECTORY_FILE);
    return {
      name: 'customer directory',
      status: 'ok',
      detail: `${result.customers} customer${result.customers === 1 ? '' : 's'} in ${result.file}`,
    };
  } catch (err) {
    const problems = err instanceof OperationError ? err.problems : [];
    return { name: 'customer directory', status: 'fail', detail: [message(err), ...problems].join('; ') };
  }
}

async function temporalCheck(opts: DoctorOptions, timeoutMs: number): Promise<DoctorCheck & { reachable: boolean }> {
  const { config } = opts;
  const namespace = config.TEMPORAL_NAMESPACE;
  let connection: ConnectionLike;
  try {
    connection = await opts.connect();
  } catch (err) {
    return { name: 'temporal', status: 'fail', detail: `unreachable: ${message(err)}`, reachable: false };
  }
  const deadline = () => Date.now() + timeoutMs;
  let reachable = false;
  try {
    const info = await connection.withDeadline(deadline(), () => connection.workflowService.getSystemInfo({}));
    reachable = true;
    await connection
      .withDeadline(deadline(), () => connection.workflowService.describeNamespace({ namespace }))
      .catch((err: unknown) => {
        throw new Error(`namespace "${namespace}": ${message(err)}`);
      });
    const version = info.serverVersion ? `server ${info.serverVersion}, ` : '';
    let missing: string[] = [];
    try {
      const attrs = await connection.withDeadline(deadline(), () =>
        connection.operatorService.listSearchAttributes({ namespace }),
      );
      const present = new Set(Object.keys(attrs.customAttributes ?? {}));
      missing = ORDER_SEARCH_ATTRIBUTES.map((k) => k.name).filter((name) => !present.has(name));
    } catch {
      // Temporal Cloud has no operator service for this; the Web UI filters still tell.
    }
    return missing.length
      ? {
          name: 'temporal',
          status: 'warn',
          detail: `${version}namespace ${namespace}; search attributes missing: ${missing.join(', ')}`,
          reachable,
        }
      : {
          name: 'temporal',
          status: 'ok',
          detail: `${version}namespace ${namespace}, search attributes registered`,
          reachable,
        };
  } catch (err) {
    return {
      name: 'temporal',
      status: 'fail',
      detail: `${reachable ? '' : 'unreachable: '}${message(err)}`,
      reachable,
    };
  }
}

/** The Hublify sandbox `npm start` embeds when HUBLIFY_URL is not set: is it there, and does it take the token? */
async function embeddedHublifyCheck(config: Config, timeoutMs: number): Promise<DoctorCheck> {
  const url = `http://127.0.0.1:${config.HUBLIFY_SANDBOX_PORT}`;
  const client = new HublifyClient({
    baseUrl: url,
    channel: config.HUBLIFY_CHANNEL,
    token: config.HUBLIFY_CHANNEL_TOKEN ?? SANDBOX_DEFAULTS.token,
    timeoutMs,
  });
  try {
    await client.stats();
    return {
      name: 'hublify',
      status: 'ok',
      detail: `HUBLIFY_URL is not set: the embedded Hublify SANDBOX answers stats at ${url} (not a real Hublify)`,
    };
  } catch (err) {
    return {
      name: 'hublify',
      status: 'fail',
      detail: `HUBLIFY_URL is not set, so orders go to the embedded Hublify sandbox ${url}, but it does not answer (is \`npm start\` running?): ${message(err)}`,
    };
  }
}

async function embeddedApicbaseCheck(config: Config, timeoutMs: number): Promise<DoctorCheck> {
  const url = `http://127.0.0.1:${config.APICBASE_SANDBOX_PORT}`;
  const name = 'apicbase token';
  try {
    const response = await fetch(`${url}/_sandbox/stats`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (err) {
    return {
      name,
      status: 'fail',
      detail: `no real Apicbase is configured, so \`npm start\` runs the Apicbase sandbox on ${url}, but it does not answer (is \`npm start\` running?): ${message(err)}`,
    };
  }
  const store = path.join(config.DATA_DIR, 'apicbase-sandbox-tokens.enc');
  return existsSync(store)
    ? {
        name,
        status: 'ok',
        detail: `the embedded Apicbase SANDBOX answers at ${url}; its token is stored in ${store} (npm start authorizes by itself)`,
      }
    : {
        name,
        status: 'warn',
        detail: `the embedded Apicbase SANDBOX answers at ${url}, but no token is stored in ${store}: is this the DATA_DIR \`npm start\` uses?`,
      };
}

async function hublifyCheck(config: Config, timeoutMs: number): Promise<DoctorCheck> {
  if (!config.HUBLIFY_URL) return embeddedHublifyCheck(config, timeoutMs);
  if (!config.HUBLIFY_CHANNEL_TOKEN)
    return { name: 'hublify', status: 'fail', detail: 'HUBLIFY_URL is set but HUBLIFY_CHANNEL_TOKEN is not' };
  const client = new HublifyClient({
    baseUrl: config.HUBLIFY_URL,
    channel: config.HUBLIFY_CHANNEL,
    token: config.HUBLIFY_CHANNEL_TOKEN,
    timeoutMs: Math.min(timeoutMs, config.HUBLIFY_TIMEOUT_MS),
  });
  try {
    await client.stats();
    return {
      name: 'hublify',
      status: 'ok',
      detail: `stats answered at ${config.HUBLIFY_URL} (${config.HUBLIFY_CHANNEL})`,
    };
  } catch (err) {
    return { name: 'hublify', status: 'fail', detail: `stats failed at ${config.HUBLIFY_URL}: ${message(err)}` };
  }
}

function apicbaseTokenCheck(config: Config): DoctorCheck {
  const name = 'apicbase token';
  if (!config.APICBASE_API_URL)
    return { name, status: 'skip', detail: 'not configured (APICBASE_API_URL is not set: webhook only, no pull)' };
  if (config.APICBASE_ACCESS_TOKEN)
    return { name, status: 'ok', detail: 'APICBASE_ACCESS_TOKEN is set (used as is, never refreshed)' };
  const file = config.APICBASE_TOKEN_STORE ?? defaultTokenStoreFile(config.DATA_DIR);
  const howTo = 'run `npm run apicbase-auth -- authorize-url` and `exchange`, or `set-token`';
  // Checked first: opening the store would create a key file, and doctor changes nothing.
  if (!existsSync(file)) return { name, status: 'fail', detail: `no token stored (${file}): ${howTo}` };
  try {
    const tokens = tokenStoreFrom(config).read();
    if (!tokens) return { name, status: 'fail', detail: `no token stored (${file}): ${howTo}` };
    const expires = tokens.expiresAt ? Date.parse(tokens.expiresAt) : undefined;
    const refreshable = !!tokens.refreshToken && !!oauthSettings(config);
    if (expires !== undefined && expires <= Date.now()) {
      return refreshable
        ? { name, status: 'warn', detail: `expired ${tokens.expiresAt}; refreshed on the next call` }
        : { name, status: 'fail', detail: `expired ${tokens.expiresAt} and cannot be refreshed: ${howTo}` };
    }
    const kind = tokens.kind === 'oauth' ? 'OAuth' : 'pasted';
    return {
      name,
      status: 'ok',
      detail: `${kind} token stored${tokens.expiresAt ? `, expires ${tokens.expiresAt}` : ''}${refreshable ? ', refreshable' : ''}`,
    };
  } catch (err) {
    return { name, status: 'fail', detail: message(err) };
  }
}

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const apicbase = wantsApicbaseSandbox(opts.config)
    ? embeddedApicbaseCheck(opts.config, timeoutMs)
    : Promise.resolve(apicbaseTokenCheck(opts.config));
  const [temporal, hublify, apicbaseToken] = await Promise.all([
    temporalCheck(opts, timeoutMs),
    hublifyCheck(opts.config, timeoutMs),
    apicbase,
  ]);
  const { reachable, ...temporalCheckResult } = temporal;
  const checks = [
    ...configurationChecks(opts.config),
    customerCheck(opts.config, opts.customerDirectory),
    temporalCheckResult,
    hublify,
    apicbaseToken,
    ...notificationChecks(opts.config),
  ];
  return { ok: checks.every((c) => c.status !== 'fail'), temporalReachable: reachable, checks };
}
