// Run by scripts/bootstrap.cjs before `npm start` and `npm test`: makes sure a Temporal CLI exists.
import { ensureTemporalCli } from '../src/temporal/temporal-cli';

ensureTemporalCli()
  .then((cli) => process.stderr.write(`[bootstrap] Temporal CLI: ${cli}\n`))
  .catch((err: unknown) => {
    process.stderr.write(`[bootstrap] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
