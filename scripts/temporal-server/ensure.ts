// Run by scripts/bootstrap.cjs before `npm test` and `npm run test:cluster`: makes sure the Temporal
// server and temporal-sql-tool are built (test/cluster.test.ts runs order-relay against them).
import { ensureTemporalServerBinaries } from './binaries';

ensureTemporalServerBinaries()
  .then((b) => process.stderr.write(`[bootstrap] Temporal server: ${b.server}\n`))
  .catch((err: unknown) => {
    process.stderr.write(`[bootstrap] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
