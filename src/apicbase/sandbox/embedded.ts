// `npm start` without any Apicbase configuration: runs the Apicbase sandbox, points order-relay's
// API client and webhook check at it (one random secret: client secret and webhook key, as at
// Apicbase), and authorizes through its OAuth flow into a token store of its own (a real store is
// never touched). `npm run demo` then places orders there.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import { tokenStoreFrom } from '../from-config';
import { oauthSettings } from '../oauth';
import { authorizeWithSandbox } from './auto-authorize';
import { APICBASE_SANDBOX_STATE_FILE, startApicbaseSandbox } from './server';

/**
 * True when no real Apicbase is configured: no API, no client, no token — and no webhook secret, unless
 * Hublify is the sandbox too (HUBLIFY_URL unset): `APICBASE_WEBHOOK_SECRET=dev-webhook-secret npm start` keeps the
 * Apicbase sandbox, which then signs with that secret (issue 17.3), while a real webhook-only setup
 * (a secret and a real Hublify) runs none. Judge the configuration as given, before `npm start` fills in sandboxes.
 */
export function wantsApicbaseSandbox(config: Config): boolean {
  if (config.APICBASE_API_URL || config.APICBASE_CLIENT_ID || config.APICBASE_ACCESS_TOKEN) return false;
  return !config.APICBASE_WEBHOOK_SECRET || !config.HUBLIFY_URL;
}

/** The banner's words on why the Apicbase sandbox runs or not. */
export function apicbaseSandboxReason(config: Config): string {
  const real = (['APICBASE_API_URL', 'APICBASE_CLIENT_ID', 'APICBASE_ACCESS_TOKEN'] as const).filter(
    (name) => config[name],
  );
  if (real.length) return `no sandbox: ${real.join(', ')} set`;
  if (wantsApicbaseSandbox(config)) {
    return config.APICBASE_WEBHOOK_SECRET
      ? 'sandbox: no real Apicbase set, and Hublify is the sandbox too'
      : 'sandbox: no APICBASE_* setting';
  }
  return 'no sandbox: APICBASE_WEBHOOK_SECRET with a real Hublify (HUBLIFY_URL) means webhooks from a real Apicbase';
}

export async function startEmbeddedApicbaseSandbox(
  config: Config,
  logger: Logger,
  reason = apicbaseSandboxReason(config),
): Promise<{ config: Config; line: string; stop: () => Promise<void> }> {
  // The given webhook secret (e.g. "Try it by hand"'s dev-webhook-secret), so hand-signed and sandbox-sent
  // webhooks both pass; else one random per start, never printed.
  const secret = config.APICBASE_WEBHOOK_SECRET ?? randomBytes(24).toString('hex');
  const relayHost = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  const sandbox = await startApicbaseSandbox({
    host: '127.0.0.1',
    port: config.APICBASE_SANDBOX_PORT,
    clientSecret: secret,
    webhookUrl: `http://${relayHost}:${config.PORT}/webhooks/apicbase/orders`,
    logger,
    // Its orders outlive a restart, as Apicbase's do: reconciliation and the pull still find them.
    stateFile: path.join(config.DATA_DIR, APICBASE_SANDBOX_STATE_FILE),
  });
  try {
    const next: Config = {
      ...config,
      APICBASE_API_URL: sandbox.url,
      APICBASE_CLIENT_ID: sandbox.clientId,
      APICBASE_CLIENT_SECRET: secret,
      APICBASE_WEBHOOK_SECRET: secret,
      APICBASE_TOKEN_STORE: path.join(config.DATA_DIR, 'apicbase-sandbox-tokens.enc'),
    };
    await authorizeWithSandbox(oauthSettings(next)!, tokenStoreFrom(next));
    logger.warn(
      `No Apicbase configuration: orders come from the embedded Apicbase SANDBOX at ${sandbox.url}, not from a real Apicbase`,
    );
    return {
      config: next,
      line: `Apicbase SANDBOX     ${sandbox.url}  (mode ${config.APICBASE_MODE}; ${reason}; webhooks signed with ${config.APICBASE_WEBHOOK_SECRET ? 'APICBASE_WEBHOOK_SECRET' : 'a random per-start secret'}; place an order: npm run demo; its orders are kept in ${path.join(config.DATA_DIR, APICBASE_SANDBOX_STATE_FILE)})`,
      stop: () => sandbox.close(),
    };
  } catch (err) {
    await sandbox.close();
    throw err;
  }
}
