// Runs the Apicbase sandbox standalone: `npm run sandbox:apicbase -- --port 4020` (docs/apicbase.md).
import { Command, InvalidArgumentError } from 'commander';
import ms from 'ms';
import { loadConfig } from '../../config';
import { createLogger } from '../../logger';
import { APICBASE_SANDBOX_DEFAULTS, startApicbaseSandbox } from './server';
import { parsePort } from '../../cli/options';

interface CliOptions {
  port: number;
  host: string;
  clientId: string;
  clientSecret?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  bodyStyle: 'python' | 'compact';
  tokenLifetime: number;
  rateLimit: number;
  rateWindow: number;
  stateFile?: string;
}

function parseDuration(value: string): number {
  const parsed = ms(value as ms.StringValue) as number | undefined;
  if (typeof parsed !== 'number' || !(parsed > 0))
    throw new InvalidArgumentError('must be a duration such as 30s, 5m, 7d');
  return parsed;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

async function main(argv: string[]): Promise<void> {
  const config = loadConfig();
  const program = new Command('apicbase-sandbox')
    .description(
      'A local Apicbase: OAuth (authorize, token, refresh), the supplier purchase-order API, and a control API under /_sandbox',
    )
    .option(
      '--port <port>',
      'port, 0 for any free one (env APICBASE_SANDBOX_PORT)',
      parsePort,
      config.APICBASE_SANDBOX_PORT,
    )
    .option('--host <host>', 'address to bind', APICBASE_SANDBOX_DEFAULTS.host)
    .option(
      '--client-id <id>',
      'OAuth client id to accept',
      config.APICBASE_CLIENT_ID ?? APICBASE_SANDBOX_DEFAULTS.clientId,
    )
    .option(
      '--client-secret <secret>',
      `OAuth client secret (default: APICBASE_CLIENT_SECRET, else "${APICBASE_SANDBOX_DEFAULTS.clientSecret}")`,
    )
    .option(
      '--webhook-url <url>',
      'where placed orders are POSTed, e.g. http://127.0.0.1:3000/webhooks/apicbase/orders',
    )
    .option(
      '--webhook-secret <secret>',
      'HMAC key of X-APIC-WEBHOOK-SIGNATURE (default: APICBASE_WEBHOOK_SECRET, else the client secret)',
    )
    .option('--body-style <style>', 'webhook body: "python" (json.dumps form) or "compact"', 'python')
    .option('--token-lifetime <duration>', 'access token lifetime', parseDuration, 7 * 86_400_000)
    .option('--rate-limit <n>', 'API requests per window and user', parsePositiveInt, 100)
    .option('--rate-window <duration>', 'rate-limit window', parseDuration, 60_000)
    .option('--state-file <file>', 'keep the orders in this JSON file across restarts (default: memory only)')
    .parse(argv);
  const opts = program.opts<CliOptions>();
  if (opts.bodyStyle !== 'python' && opts.bodyStyle !== 'compact')
    throw new Error('--body-style must be python or compact');

  const clientSecret = opts.clientSecret ?? config.APICBASE_CLIENT_SECRET;
  const webhookSecret = opts.webhookSecret ?? config.APICBASE_WEBHOOK_SECRET;
  const sandbox = await startApicbaseSandbox({
    port: opts.port,
    host: opts.host,
    clientId: opts.clientId,
    ...(clientSecret ? { clientSecret } : {}),
    ...(opts.webhookUrl ? { webhookUrl: opts.webhookUrl } : {}),
    ...(webhookSecret ? { webhookSecret } : {}),
    webhookBodyStyle: opts.bodyStyle,
    accessTokenTtlMs: opts.tokenLifetime,
    rateLimit: { limit: opts.rateLimit, windowMs: opts.rateWindow },
    logger: createLogger(config.LOG_LEVEL),
    ...(opts.stateFile ? { stateFile: opts.stateFile } : {}),
  });

  // A configured secret is not printed: it may be a real one.
  console.log(`Apicbase sandbox listening on ${sandbox.url}`);
  console.log(
    `  OAuth:       ${sandbox.url}/oauth/authorize/  ${sandbox.url}/oauth/token/  (client ${sandbox.clientId}, secret ${clientSecret ? '<as configured>' : sandbox.clientSecret})`,
  );
  console.log(`  API:         ${sandbox.url}/api/v2/integrations/suppliers/purchase_orders/`);
  console.log(
    `  control API: POST ${sandbox.url}/_sandbox/orders  (webhook: ${sandbox.webhookUrl ?? 'none; orders are left for pulling'})`,
  );

  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
