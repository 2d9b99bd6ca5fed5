// Where the Temporal server keeps its data: a PostgreSQL server and the two databases it gets there.
export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  /** History, tasks, namespaces… (default `temporal`). */
  database: string;
  /** Visibility: what `workflow list` and search attributes query (default `temporal_visibility`). */
  visibilityDatabase: string;
}

/** Reads `postgres://user:password@host:port/` (the path, if any, is ignored: the databases are named apart). */
export function postgresTargetFromUrl(
  url: string,
  databases: Partial<Pick<PostgresTarget, 'database' | 'visibilityDatabase'>> = {},
): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('the PostgreSQL URL is not a URL (expected postgres://user:password@host:port)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new Error(`the PostgreSQL URL must start with postgres://, not ${parsed.protocol}//`);
  if (!parsed.username) throw new Error('the PostgreSQL URL names no user (postgres://user:password@host:port)');
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: databases.database ?? 'temporal',
    visibilityDatabase: databases.visibilityDatabase ?? 'temporal_visibility',
  };
}
