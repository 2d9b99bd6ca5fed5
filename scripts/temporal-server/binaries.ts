// The Temporal server (`go.temporal.io/server/cmd/server`) and its schema tool (`cmd/tools/sql`),
// built from the Go module proxy into .tools/bin at the server version the pinned Temporal CLI embeds
// (both pinned in tools/temporal/go.mod: v1.5.1 embeds server v1.29.1).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildGoTool, builtTool, goAvailable, goToolsModuleDir, isExecutable } from '../../src/temporal/go-tools';

export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';

export interface TemporalServerBinaries {
  /** `temporal-server --root DIR --config . --env NAME start` */
  server: string;
  /** temporal-sql-tool: `create-database`, `setup-schema`, `update-schema` */
  sqlTool: string;
}

const TOOLS = [
  { key: 'server', pkg: 'cmd/server', targetName: 'temporal-server', env: 'TEMPORAL_SERVER_PATH' },
  { key: 'sqlTool', pkg: 'cmd/tools/sql', targetName: 'temporal-sql-tool', env: 'TEMPORAL_SQL_TOOL_PATH' },
] as const;

/** The tool's binary: its variable's path, else the current build in .tools/bin; undefined when neither. */
function pathOf(tool: (typeof TOOLS)[number], env: NodeJS.ProcessEnv): string | undefined {
  const explicit = env[tool.env];
  if (explicit && !isExecutable(explicit)) throw new Error(`${tool.env}=${explicit} is not an executable file`);
  return explicit ? path.resolve(explicit) : builtTool(tool.targetName);
}

/** The binaries when both exist (TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH, else .tools/bin). */
export function findTemporalServerBinaries(env: NodeJS.ProcessEnv = process.env): TemporalServerBinaries | undefined {
  const server = pathOf(TOOLS[0], env);
  const sqlTool = pathOf(TOOLS[1], env);
  return server && sqlTool ? { server, sqlTool } : undefined;
}

/** Finds the binaries, or builds the missing ones from tools/temporal (seconds once the CLI is built). */
export async function ensureTemporalServerBinaries(log?: (line: string) => void): Promise<TemporalServerBinaries> {
  const found = findTemporalServerBinaries();
  if (found) return found;
  if (!goAvailable()) {
    throw new Error(
      `The Temporal server is not built and Go is not available to build it: install Go, or set TEMPORAL_SERVER_PATH and ` +
        `TEMPORAL_SQL_TOOL_PATH to the server and temporal-sql-tool of the ${TEMPORAL_SERVER_MODULE} version tools/temporal/go.mod pins.`,
    );
  }
  for (const tool of TOOLS) {
    if (pathOf(tool, process.env)) continue;
    await buildGoTool({
      pkg: `${TEMPORAL_SERVER_MODULE}/${tool.pkg}`,
      targetName: tool.targetName,
      label: tool.targetName,
      ...(log ? { log } : {}),
    });
  }
  return findTemporalServerBinaries()!;
}

/**
 * The server module's PostgreSQL schema folder (`schema/postgresql/v12`, holding `temporal/versioned`
 * and `visibility/versioned`), from the Go module cache; TEMPORAL_SERVER_SCHEMA_DIR overrides it.
 */
export function postgresSchemaDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.TEMPORAL_SERVER_SCHEMA_DIR;
  if (explicit) {
    if (!existsSync(path.join(explicit, 'temporal', 'versioned')))
      throw new Error(`TEMPORAL_SERVER_SCHEMA_DIR=${explicit} has no temporal/versioned folder`);
    return explicit;
  }
  return path.join(goToolsModuleDir(TEMPORAL_SERVER_MODULE), 'schema', 'postgresql', 'v12');
}
