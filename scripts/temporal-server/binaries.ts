// The Temporal server (`go.temporal.io/server/cmd/server`) and its schema tool (`cmd/tools/sql`),
// built from the Go module proxy into .tools/bin at the server version the pinned Temporal CLI embeds
// (v1.5.1 embeds server v1.29.1; the module has no `replace`, so `go install pkg@version` works).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EXE, PROJECT_TOOLS_BIN, goAvailable, goInstall, isExecutable } from '../../src/temporal/go-install';

export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

export interface TemporalServerBinaries {
  /** `temporal-server --root DIR --config . --env NAME start` */
  server: string;
  /** temporal-sql-tool: `create-database`, `setup-schema`, `update-schema` */
  sqlTool: string;
}

const TOOLS = [
  { key: 'server', pkg: 'cmd/server', builtName: 'server', targetName: 'temporal-server', env: 'TEMPORAL_SERVER_PATH' },
  { key: 'sqlTool', pkg: 'cmd/tools/sql', builtName: 'sql', targetName: 'temporal-sql-tool', env: 'TEMPORAL_SQL_TOOL_PATH' },
] as const;

function pathOf(tool: (typeof TOOLS)[number], env: NodeJS.ProcessEnv): string {
  const explicit = env[tool.env];
  if (explicit && !isExecutable(explicit)) throw new Error(`${tool.env}=${explicit} is not an executable file`);
  return explicit ? path.resolve(explicit) : path.join(PROJECT_TOOLS_BIN, tool.targetName + EXE);
}

/** The binaries when both exist (TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH, else .tools/bin). */
export function findTemporalServerBinaries(env: NodeJS.ProcessEnv = process.env): TemporalServerBinaries | undefined {
  const server = pathOf(TOOLS[0], env);
  const sqlTool = pathOf(TOOLS[1], env);
  return isExecutable(server) && isExecutable(sqlTool) ? { server, sqlTool } : undefined;
}

/** Finds the binaries, or builds the missing ones with `go install` (minutes on 2 cores, once). */
export async function ensureTemporalServerBinaries(log?: (line: string) => void): Promise<TemporalServerBinaries> {
  const found = findTemporalServerBinaries();
  if (found) return found;
  if (!goAvailable()) {
    throw new Error(
      `The Temporal server is not built and Go is not available to build it: install Go, or set TEMPORAL_SERVER_PATH and ` +
        `TEMPORAL_SQL_TOOL_PATH to ${TEMPORAL_SERVER_MODULE} ${TEMPORAL_SERVER_VERSION}'s server and temporal-sql-tool.`,
    );
  }
  for (const tool of TOOLS) {
    if (isExecutable(pathOf(tool, process.env))) continue;
    await goInstall({
      pkg: `${TEMPORAL_SERVER_MODULE}/${tool.pkg}@${TEMPORAL_SERVER_VERSION}`,
      builtName: tool.builtName,
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
    if (!existsSync(path.join(explicit, 'temporal', 'versioned'))) throw new Error(`TEMPORAL_SERVER_SCHEMA_DIR=${explicit} has no temporal/versioned folder`);
    return explicit;
  }
  // `go mod download` is instant when the module is cached (the build put it there) and names its folder.
  const result = spawnSync('go', ['mod', 'download', '-json', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`go mod download ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} failed: ${(result.stderr || result.stdout || String(result.error)).trim()}`);
  }
  const dir = (JSON.parse(result.stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download named no folder for ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`);
  return path.join(dir, 'schema', 'postgresql', 'v12');
}
