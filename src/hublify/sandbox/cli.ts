// Runs the Hublify sandbox standalone: `npm run sandbox:hublify -- --port 4010` (docs/hublify-sandbox.md).
import { Command } from 'commander';
import { loadConfig } from '../../config';
import { createLogger } from '../../logger';
import { loadProductsFile } from './products';
import { SANDBOX_DEFAULTS, startHublifySandbox } from './server';
import { parsePort } from '../../cli/options';
import { alreadyRunningText, runningSandboxAt } from './already-running';

interface CliOptions {
  port: number;
  host: string;
  channel: string;
  token?: string;
  webhookUrl?: string;
  webhookToken?: string;
  products?: string;
  stateFile?: string;
}

async function main(argv: string[]): Promise<void> {
  const config = loadConfig();
  const program = new Command('hublify-sandbox')
    .description(
      'A local Hublify channel API (order_create, order_update, order_get, order_getList, stats) with a control API under /_sandbox',
    )
    .option(
      '--port <port>',
      'port to listen on, 0 for any free port (env HUBLIFY_SANDBOX_PORT)',
      parsePort,
      config.HUBLIFY_SANDBOX_PORT,
    )
    .option('--host <host>', 'address to bind', SANDBOX_DEFAULTS.host)
    .option(
      '--channel <channel>',
      'channel in the path /api/<channel>/<verb> (env HUBLIFY_CHANNEL)',
      config.HUBLIFY_CHANNEL,
    )
    .option(
      '--token <token>',
      `API-Channel-Token to accept (default: HUBLIFY_CHANNEL_TOKEN, else "${SANDBOX_DEFAULTS.token}")`,
    )
    .option('--webhook-url <url>', 'POST {"status":true,"data":<order>} here after each state change or shipment')
    .option(
      '--webhook-token <token>',
      'X-Hublify-Webhook-Token sent with webhook calls (default: HUBLIFY_WEBHOOK_TOKEN)',
    )
    .option('--products <file>', 'JSON array of {pcode, name?, externalCodes?} replacing the default catalogue')
    .option('--state-file <file>', 'keep the orders in this JSON file across restarts (default: memory only)')
    .parse(argv);
  const opts = program.opts<CliOptions>();

  const token = opts.token ?? config.HUBLIFY_CHANNEL_TOKEN;
  const sandbox = await startHublifySandbox({
    stateFile: opts.stateFile,
    port: opts.port,
    host: opts.host,
    channel: opts.channel,
    token: token ?? SANDBOX_DEFAULTS.token,
    webhookUrl: opts.webhookUrl,
    webhookToken: opts.webhookToken ?? config.HUBLIFY_WEBHOOK_TOKEN,
    products: opts.products ? loadProductsFile(opts.products) : undefined,
    logger: createLogger(config.LOG_LEVEL),
  });

  // A given token is not printed: it may be a real channel's.
  console.log(`Hublify sandbox listening on ${sandbox.url}`);
  console.log(
    `  channel API: POST ${sandbox.url}/api/${sandbox.channel}/<verb>  (header API-Channel-Token: ${token ? '<as configured>' : sandbox.token})`,
  );
  console.log(`  control API: ${sandbox.url}/_sandbox/orders`);

  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv).catch(async (err: unknown) => {
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    const { address, port } = err as { address?: string; port?: number };
    const running = port ? await runningSandboxAt(address ?? SANDBOX_DEFAULTS.host, port) : undefined;
    if (running) {
      console.log(alreadyRunningText(running));
      process.exit(0);
    }
    console.error(
      `Port ${port ?? '?'} is in use by something that is not a Hublify sandbox: give another one with --port (0 = any free port)`,
    );
    process.exit(1);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
