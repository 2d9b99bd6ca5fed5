// A real, throwaway PostgreSQL for tests: a cluster made with initdb in a temporary folder, started
// with pg_ctl on a free loopback port, stopped and deleted afterwards. PostgreSQL refuses to run as
// root, so as root it runs as the `postgres` user (created by Debian's package). Without server
// binaries, a root process with apt-get installs Debian's `postgresql` package first (a clean CI machine).
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { freeLoopbackPort } from '../../src/net/free-port';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';
const USER = 'relay';

export interface TestPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The server binaries (initdb, pg_ctl, postgres …). */
  binDir: string;
  /** postgres://relay:…@127.0.0.1:port/<database> (default: the `postgres` database). */
  url(database?: string): string;
  /** Creates an empty database with a fresh name and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function newestBinDir(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((v) => existsSync(path.join(POSTGRES_ROOT, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(POSTGRES_ROOT, versions[0], 'bin') : undefined;
}

/** The server binaries, installed from Debian's packages when missing and this is root (as CI runs). */
export function postgresBinDir(): string {
  const found = newestBinDir();
  if (found) return found;
  if (!isRoot() || !existsSync('/usr/bin/apt-get')) {
    throw new Error(
      "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: install Debian's postgresql package (`sudo apt-get install -y postgresql`), run the tests as root to have it installed, or set PG_BIN",
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'postgresql'], { env, stdio: 'ignore' });
  const installed = newestBinDir();
  if (!installed)
    throw new Error('apt-get installed postgresql, but /usr/lib/postgresql/*/bin/pg_ctl is still missing');
  return installed;
}

/** As root: the `postgres` account the commands run as (Debian's package creates it). */
function serverAccount(): { uid: number; gid: number; name: string } | undefined {
  if (!isRoot()) return undefined;
  const lookup = (): string => execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' });
  let entry: string;
  try {
    entry = lookup();
  } catch {
    execFileSync('useradd', ['--system', '--home-dir', '/var/lib/postgresql', '--shell', '/bin/sh', 'postgres']);
    entry = lookup();
  }
  const [, , uid, gid] = entry.trim().split(':');
  return { name: 'postgres', uid: Number(uid), gid: Number(gid) };
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const binDir = postgresBinDir();
  const account = serverAccount();
  const asServer = (bin: string, args: string[]): Promise<unknown> =>
    account
      ? execFileAsync('runuser', ['-u', account.name, '--', path.join(binDir, bin), ...args])
      : execFileAsync(path.join(binDir, bin), args);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'order-relay-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const passwordFile = path.join(dir, 'password');
  const password = randomBytes(12).toString('hex');
  writeFileSync(passwordFile, password, { mode: 0o600 });
  if (account) {
    chownSync(dir, account.uid, account.gid);
    chownSync(passwordFile, account.uid, account.gid);
  }
  chmodSync(dir, 0o700);

  await asServer('initdb', [
    '-D',
    dataDir,
    '-U',
    USER,
    `--pwfile=${passwordFile}`,
    '--auth=scram-sha-256',
    '-E',
    'UTF8',
    '--no-locale',
    '--no-sync',
  ]);
  rmSync(passwordFile);

  // A test database: no durability needed, little memory, TCP on loopback only, no Unix socket.
  const settings = [
    '-c listen_addresses=127.0.0.1',
    "-c unix_socket_directories=''",
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c shared_buffers=16MB',
    '-c max_connections=300',
  ];
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freeLoopbackPort();
    try {
      await asServer('pg_ctl', [
        '-D',
        dataDir,
        '-l',
        logFile,
        '-w',
        '-t',
        '120',
        '-o',
        [`-p ${port}`, ...settings].join(' '),
        'start',
      ]);
      break;
    } catch (err) {
      // Another process may have taken the port between the probe and the start: try another one.
      if (attempt >= 3) {
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log}`);
      }
    }
  }

  const stopSync = (): void => {
    try {
      const args = ['-D', dataDir, '-m', 'immediate', 'stop'];
      if (account)
        execFileSync('runuser', ['-u', account.name, '--', path.join(binDir, 'pg_ctl'), ...args], { stdio: 'ignore' });
      else execFileSync(path.join(binDir, 'pg_ctl'), args, { stdio: 'ignore' });
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A test run that dies early must not leave a server behind.
  process.once('exit', stopSync);

  const url = (database = 'postgres'): string => `postgres://${USER}:${password}@127.0.0.1:${port}/${database}`;
  let databases = 0;
  return {
    host: '127.0.0.1',
    port,
    user: USER,
    password,
    binDir,
    url,
    async createDatabase(prefix = 'test') {
      const name = `${prefix}_${process.pid}_${++databases}`;
      const admin = new pg.Client({ connectionString: url() });
      await admin.connect();
      try {
        await admin.query(`create database "${name}"`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    async stop() {
      process.removeListener('exit', stopSync);
      const args = ['-D', dataDir, '-m', 'fast', 'stop'];
      await asServer('pg_ctl', args).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
