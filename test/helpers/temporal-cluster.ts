// The production topology's engines for tests: a throwaway PostgreSQL and a Temporal server on it
// (built from the Go module proxy, scripts/temporal-server/), with the default namespace and
// order-relay's search attributes registered through the operator service.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureTemporalServerBinaries } from '../../scripts/temporal-server/binaries';
import { startTemporalServer, type RunningTemporalServer } from '../../scripts/temporal-server/server';
import { startTestPostgres, type TestPostgres } from './postgres';

export interface TestCluster {
  postgres: TestPostgres;
  temporal: RunningTemporalServer;
  close(): Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  // Built once into .tools/bin (npm test's pretest step does it; a missing build is made here).
  const binaries = await ensureTemporalServerBinaries((line) => process.stderr.write(`${line}\n`));
  const dir = mkdtempSync(path.join(tmpdir(), 'order-relay-temporal-'));
  const postgres = await startTestPostgres();
  let temporal: RunningTemporalServer;
  try {
    temporal = await startTemporalServer({
      binaries,
      postgres: { ...postgres, database: 'temporal', visibilityDatabase: 'temporal_visibility' },
      dir,
    });
  } catch (err) {
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    postgres,
    temporal,
    async close() {
      await temporal.stop();
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
