// The keys of the payload codec (src/codec/encryption-codec.ts): a ring of AES-256 keys, each with an
// id. The first key encrypts; every key decrypts, so a key is rotated by putting a new one first and
// keeping the old ones until no history needs them. They come from CODEC_KEYS (or CODEC_KEYS_FILE):
//   CODEC_KEYS="2026-11:<base64 of 32 bytes>,2026-05:<base64 of 32 bytes>"   (commas or newlines)
// or, when neither is set, from the key file `payload-codec.keys` in DATA_DIR, which order-relay
// creates (mode 0600) on its first start and reuses afterwards. Keys are never logged.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const CODEC_KEY_FILE_NAME = 'payload-codec.keys';

export interface CodecKey {
  id: string;
  key: Buffer;
}

export interface CodecKeyRing {
  /** The key new payloads are encrypted with. */
  current: CodecKey;
  /** Every key by id (the current one included), for decryption. */
  byId: ReadonlyMap<string, CodecKey>;
  /** Where the keys came from (for log lines; never the keys). */
  source: string;
}

export class CodecKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecKeyError';
  }
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

function parseKeyMaterial(id: string, text: string): Buffer {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-f]{64}$/i.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) key = Buffer.from(t, 'base64');
  if (!key || key.length !== 32) {
    throw new CodecKeyError(
      `codec key "${id}" must be 32 bytes, as base64 or 64 hex digits (e.g. \`openssl rand -base64 32\`)`,
    );
  }
  return key;
}

/** Parses `id:key,id2:key2` (commas or newlines; a line starting with `#` is a comment). The first key encrypts. */
export function parseCodecKeys(text: string, source = 'CODEC_KEYS'): CodecKeyRing {
  const entries = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new CodecKeyError(`${source} holds no key`);
  const byId = new Map<string, CodecKey>();
  const keys: CodecKey[] = [];
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon).trim() : '';
    if (!KEY_ID.test(id)) {
      throw new CodecKeyError(
        `${source}: each key must be written as <id>:<base64 key>, the id of letters, digits, '.', '_' or '-'`,
      );
    }
    if (byId.has(id)) throw new CodecKeyError(`${source}: key id "${id}" appears twice`);
    const key: CodecKey = { id, key: parseKeyMaterial(id, entry.slice(colon + 1)) };
    byId.set(id, key);
    keys.push(key);
  }
  return { current: keys[0]!, byId, source };
}

/** A fresh key line: `<id>:<base64 of 32 random bytes>`, the id from today's date and a random suffix. */
export function generateCodecKeyLine(now = new Date()): string {
  const id = `k${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export function codecKeyFile(dataDir: string): string {
  return path.join(dataDir, CODEC_KEY_FILE_NAME);
}

export interface ResolveCodecKeysOptions {
  /** CODEC_KEYS (CODEC_KEYS_FILE is read into it by the configuration). */
  keys?: string | undefined;
  dataDir: string;
  /** Create the key file when it is missing (order-relay itself); the CLI only reads it. */
  create: boolean;
}

/** CODEC_KEYS when given, else the key file in DATA_DIR (created with mode 0600 when allowed). */
export function resolveCodecKeys(opts: ResolveCodecKeysOptions): CodecKeyRing & { created: boolean } {
  if (opts.keys) return { ...parseCodecKeys(opts.keys), created: false };
  const file = codecKeyFile(opts.dataDir);
  let created = false;
  if (opts.create && !existsSync(file)) {
    mkdirSync(opts.dataDir, { recursive: true });
    // Written aside, then linked into place: a process starting at the same moment either finds no
    // file or a complete one, and exactly one key wins.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(
      tmp,
      `# order-relay payload codec keys: <id>:<base64 AES-256 key>, the first one encrypts.\n# Keep old keys (below the new first one) until no workflow history needs them.\n${generateCodecKeyLine()}\n`,
      { mode: 0o600, flag: 'wx' },
    );
    try {
      linkSync(tmp, file);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CodecKeyError(
        `no payload codec keys: set CODEC_KEYS (or CODEC_KEYS_FILE) as order-relay has them, or point DATA_DIR at order-relay's data folder (${file} does not exist)`,
      );
    }
    throw err;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { ...parseCodecKeys(text, file), created };
}
