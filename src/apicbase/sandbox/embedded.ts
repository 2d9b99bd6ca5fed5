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
import { startApicbaseSandbox } from './server';

/** True when nothing about Apicbase is configured: no API, no webhook secret, no client, no token. */
export function wantsApicbaseSandbox(config: Config): boolean {
  return !config.APICBASE_API_URL && !config.APICBASE_WEBHOOK_SECRET && !config.APICBASE_CLIENT_ID && !config.APICBASE_ACCESS_TOKEN;
}

export async function startEmbeddedApicbaseSandbox(config: Config, logger: Logger): Promise<{ config: Config; line: string; stop: () => Promise<void> }> {
  const secret = randomBytes(24).toString('hex'); // per start, never printed
  const relayHost = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  const sandbox = await startApicbaseSandbox({
    host: '127.0.0.1',
    port: config.APICBASE_SANDBOX_PORT,
    clientSecret: secret,
    webhookUrl: `http://${relayHost}:${config.PORT}/webhooks/apicbase/orders`,
    logger,
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
    logger.warn(`No Apicbase configuration: orders come from the embedded Apicbase SANDBOX at ${sandbox.url}, not from a real Apicbase`);
    return {
      config: next,
      line: `Apicbase SANDBOX     ${sandbox.url}  (mode ${config.APICBASE_MODE}; place an order: npm run demo)`,
      stop: () => sandbox.close(),
    };
  } catch (err) {
    await sandbox.close();
    throw err;
  }
}
