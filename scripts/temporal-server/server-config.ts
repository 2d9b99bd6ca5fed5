// The Temporal server's configuration: one cluster of one node, all four services (frontend, history,
// matching, worker) in one process, persistence and visibility on PostgreSQL (plugin postgres12).
// Based on the module's config/development-postgres12.yaml, with every port on the loopback address.
import { stringify } from 'yaml';
import type { PostgresTarget } from './postgres-target';

export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export const PORT_NAMES: readonly (keyof ServerPorts)[] = [
  'frontend',
  'frontendHttp',
  'frontendMembership',
  'history',
  'historyMembership',
  'matching',
  'matchingMembership',
  'worker',
  'workerMembership',
];

/** The environment variable the rendered config reads the database password from (never written to disk). */
export const PASSWORD_ENV = 'TEMPORAL_POSTGRES_PASSWORD';

export interface ServerConfigOptions {
  ip: string;
  ports: ServerPorts;
  postgres: Omit<PostgresTarget, 'password'>;
  /** Fixed for the life of the cluster (cannot change once set): see docs/scaling.md. */
  numHistoryShards: number;
  /** Connections per service to the history/visibility database. */
  maxConns: number;
  logLevel: string;
}

export function renderServerConfig(o: ServerConfigOptions): string {
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${o.postgres.host.includes(':') ? `[${o.postgres.host}]` : o.postgres.host}:${o.postgres.port}`,
      connectProtocol: 'tcp',
      user: o.postgres.user,
      password: '__PASSWORD__',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: Record<string, number> = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: o.ip, ...extra },
  });
  const config = {
    log: { stdout: true, level: o.logLevel },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: o.numHistoryShards,
      datastores: {
        'postgres-default': sql(o.postgres.database, o.maxConns),
        'postgres-visibility': sql(o.postgres.visibilityDatabase, Math.max(2, Math.ceil(o.maxConns / 4))),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: o.ip } },
    services: {
      frontend: service(o.ports.frontend, o.ports.frontendMembership, { httpPort: o.ports.frontendHttp }),
      history: service(o.ports.history, o.ports.historyMembership),
      matching: service(o.ports.matching, o.ports.matchingMembership),
      worker: service(o.ports.worker, o.ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `${o.ip}:${o.ports.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
  };
  // The server renders files marked `enable-template` with Go templates: the password comes from the
  // server process's environment, so it is never written into the file.
  return `# enable-template\n${stringify(config).replaceAll('__PASSWORD__', `{{ env "${PASSWORD_ENV}" | quote }}`)}`;
}
