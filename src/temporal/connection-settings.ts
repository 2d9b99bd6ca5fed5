// How order-relay reaches a Temporal cluster, configured the way Temporal users expect: the usual
// TEMPORAL_* variables (TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH/KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH,
// TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY, TEMPORAL_GRPC_META_*) and profiles of a temporal.toml
// (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE), read by @temporalio/envconfig. Certificate and key files are
// checked at start, so a wrong path fails with the setting's name and the path, not at the first call.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export class TemporalConnectionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalConnectionConfigError';
  }
}

/** What Connection.connect and NativeConnection.connect take besides the address. */
export type TemporalSecurityOptions = Pick<NativeConnectionOptions, 'tls' | 'apiKey' | 'metadata'>;

export interface TemporalConnectionSettings {
  /** TEMPORAL_ADDRESS, else the profile's address; undefined = none (npm start runs the dev server). */
  address: string | undefined;
  /** TEMPORAL_NAMESPACE, else the profile's namespace. */
  namespace: string | undefined;
  security: TemporalSecurityOptions;
  /** For the start-up log line: which protections are on (never a key or certificate). */
  summary: { profile: string | undefined; tls: boolean; clientCertificate: boolean; apiKey: boolean };
}

type Env = Record<string, string | undefined>;

interface FileSetting {
  kind: 'certificate' | 'key';
  envName: string;
  tomlName: string;
  source: { path: string } | { data: string | Uint8Array } | undefined;
}

function settingName(s: FileSetting, path: string, env: Env): string {
  if (env[s.envName] === path) return s.envName;
  const profile = env.TEMPORAL_PROFILE ?? 'default';
  const file = env.TEMPORAL_CONFIG_FILE ?? 'the Temporal config file';
  return `tls.${s.tomlName} of profile "${profile}" in ${file}`;
}

/** Reads and parses a certificate or key file; the message names the setting and path, never the contents. */
function checkFile(s: FileSetting, env: Env): void {
  if (!s.source || !('path' in s.source)) return;
  const { path } = s.source;
  const name = settingName(s, path, env);
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new TemporalConnectionConfigError(
      `${name}: cannot read the ${s.kind} file ${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  try {
    if (s.kind === 'key') createPrivateKey(pem);
    else new X509Certificate(pem);
  } catch {
    throw new TemporalConnectionConfigError(
      `${name}: ${path} is not a PEM ${s.kind === 'key' ? 'private key' : 'certificate'}`,
    );
  }
}

function loadProfile(env: Env): ClientConfigProfile {
  // envconfig treats a missing file as "no profiles"; a file named explicitly must exist.
  if (env.TEMPORAL_CONFIG_FILE) {
    try {
      readFileSync(env.TEMPORAL_CONFIG_FILE);
    } catch (err) {
      throw new TemporalConnectionConfigError(
        `TEMPORAL_CONFIG_FILE: cannot read ${env.TEMPORAL_CONFIG_FILE} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      );
    }
  }
  try {
    return loadClientConfigProfile({
      overrideEnvVars: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    });
  } catch (err) {
    throw new TemporalConnectionConfigError(
      `Temporal client configuration (TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE): ${(err as Error).message}`,
    );
  }
}

export function loadTemporalConnectionSettings(env: Env = process.env): TemporalConnectionSettings {
  // An empty variable means "not set", as in docker-compose's `${VAR:-}`.
  const setEnv = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const profile = loadProfile(setEnv);
  const tls = profile.tls;
  const files: FileSetting[] = [
    {
      kind: 'certificate',
      envName: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
      tomlName: 'client_cert_path',
      source: tls?.clientCert,
    },
    { kind: 'key', envName: 'TEMPORAL_TLS_CLIENT_KEY_PATH', tomlName: 'client_key_path', source: tls?.clientKey },
    {
      kind: 'certificate',
      envName: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
      tomlName: 'server_ca_cert_path',
      source: tls?.serverCACert,
    },
  ];
  if (tls && !tls.disabled) {
    for (const f of files) checkFile(f, setEnv);
    // envconfig drops a certificate without its key (or the reverse) silently: that is a misconfiguration.
    if (!tls.clientCert !== !tls.clientKey) {
      const missing = tls.clientCert
        ? 'client key (TEMPORAL_TLS_CLIENT_KEY_PATH or tls.client_key_path)'
        : 'client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH or tls.client_cert_path)';
      throw new TemporalConnectionConfigError(
        `mTLS needs both a client certificate and its key: the ${missing} is not set`,
      );
    }
  }
  const { connectionOptions, namespace } = toClientOptions(profile);
  const security: TemporalSecurityOptions = {
    ...(connectionOptions.tls !== undefined ? { tls: connectionOptions.tls } : {}),
    ...(connectionOptions.apiKey !== undefined ? { apiKey: connectionOptions.apiKey } : {}),
    ...(connectionOptions.metadata ? { metadata: connectionOptions.metadata } : {}),
  };
  return {
    address: connectionOptions.address,
    namespace,
    security,
    summary: {
      profile: setEnv.TEMPORAL_PROFILE,
      tls: !!connectionOptions.tls,
      clientCertificate: typeof connectionOptions.tls === 'object' && !!connectionOptions.tls?.clientCertPair,
      apiKey: connectionOptions.apiKey !== undefined,
    },
  };
}
