// `npm run temporal-server -- --postgres postgres://user:password@host:5432`: sets up the Temporal
// server's schema on that PostgreSQL (databases `temporal` and `temporal_visibility`, created when
// missing, upgraded when older), starts the server (built from the Go module proxy on first use)
// with a one-node config on 127.0.0.1, registers the namespace and order-relay's search attributes,
// and runs until Ctrl-C. Point order-relay at it with TEMPORAL_ADDRESS.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { PROJECT_ROOT } from '../../src/config';
import { ensureTemporalServerBinaries } from './binaries';
import { postgresTargetFromUrl } from './postgres-target';
import { startTemporalServer } from './server';

const int = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};

const program = new Command('temporal-server')
  .description('A Temporal server on PostgreSQL for order-relay (one node, all services)')
  .requiredOption(
    '--postgres <url>',
    'postgres://user:password@host:port (or TEMPORAL_POSTGRES_URL)',
    process.env.TEMPORAL_POSTGRES_URL,
  )
  .option('--port <port>', 'frontend gRPC port', int('--port'), 7233)
  .option('--namespace <name>', 'namespace to register', 'default')
  .option(
    '--history-shards <n>',
    'history shards (fixed for the life of the databases; see docs/scaling.md)',
    int('--history-shards'),
    4,
  )
  .option('--dir <dir>', 'config and server.log', path.join(PROJECT_ROOT, '.data', 'temporal-server'))
  .action(async (opts: { postgres: string; port: number; namespace: string; historyShards: number; dir: string }) => {
    const postgres = postgresTargetFromUrl(opts.postgres);
    const binaries = await ensureTemporalServerBinaries();
    mkdirSync(opts.dir, { recursive: true });
    const server = await startTemporalServer({
      binaries,
      postgres,
      dir: opts.dir,
      port: opts.port,
      namespace: opts.namespace,
      numHistoryShards: opts.historyShards,
    });
    process.stdout.write(
      `Temporal server on PostgreSQL ${postgres.host}:${postgres.port}: ${server.address} (namespace ${server.namespace}; log ${server.logFile})\nPress Ctrl-C to stop.\n`,
    );
    const stop = () => void server.stop().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`temporal-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
