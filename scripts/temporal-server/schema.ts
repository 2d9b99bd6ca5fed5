// Sets up (or upgrades) the Temporal server's two PostgreSQL databases with temporal-sql-tool and the
// versioned schema files of the server module: safe to run again on databases it already set up.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { PostgresTarget } from './postgres-target';

async function sqlTool(tool: string, pg: PostgresTarget, database: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      tool,
      [
        '--plugin',
        'postgres12',
        '--endpoint',
        pg.host,
        '--port',
        String(pg.port),
        '--user',
        pg.user,
        '--database',
        database,
        ...args,
      ],
      {
        // The password goes by environment, never on a command line other users can read.
        env: { ...process.env, SQL_PASSWORD: pg.password },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(
            new Error(
              `temporal-sql-tool ${args[0]} on ${database} failed (exit ${code}): ${output.trim().slice(-2000)}`,
            ),
          ),
    );
  });
}

async function setUpDatabase(tool: string, pg: PostgresTarget, database: string, versionedDir: string): Promise<void> {
  await sqlTool(tool, pg, database, ['create-database', '--defaultdb', 'postgres']).catch((err: Error) => {
    if (!/already exists/i.test(err.message)) throw err;
  });
  // Version 0.0 makes only the schema_version tables; update-schema then applies every versioned step
  // not yet applied, so a second run (or a newer server's folder) changes only what is missing.
  await sqlTool(tool, pg, database, ['setup-schema', '--version', '0.0']).catch((err: Error) => {
    if (!/already exists/i.test(err.message)) throw err;
  });
  await sqlTool(tool, pg, database, ['update-schema', '--schema-dir', versionedDir]);
}

/** `schemaDir` is the server module's schema/postgresql/v12 (see postgresSchemaDir()). */
export async function setUpTemporalSchema(tool: string, pg: PostgresTarget, schemaDir: string): Promise<void> {
  await setUpDatabase(tool, pg, pg.database, path.join(schemaDir, 'temporal', 'versioned'));
  await setUpDatabase(tool, pg, pg.visibilityDatabase, path.join(schemaDir, 'visibility', 'versioned'));
}
