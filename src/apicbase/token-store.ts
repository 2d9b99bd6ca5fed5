// Apicbase tokens at rest: one file, AES-256-GCM encrypted (node:crypto), written atomically with
// mode 0600. The key comes from APICBASE_TOKEN_KEY, or from a key file in DATA_DIR that is created
// (0600) on first use. Tokens are never logged; the file holds only ciphertext.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const TOKEN_STORE_FILE_NAME = 'apicbase-tokens.enc';
export const TOKEN_KEY_FILE_NAME = 'apicbase-token.key';
const AAD = Buffer.from('order-relay/apicbase-tokens/v1');

const storedTokensSchema = z.object({
  /** `oauth`: from the authorization-code flow (refreshable); `pasted`: created in the Apicbase UI. */
  kind: z.enum(['oauth', 'pasted']),
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  /** Unknown for a pasted token unless the operator says. */
  expiresAt: z.string().optional(),
  obtainedAt: z.string(),
  scope: z.string().optional(),
});

export type StoredTokens = z.infer<typeof storedTokensSchema>;

const fileSchema = z.object({
  v: z.literal(1),
  alg: z.literal('aes-256-gcm'),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});

export class TokenStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenStoreError';
  }
}

/** A 32-byte key from 64 hex digits or base64; anything else is refused (no weak passphrases). */
export function parseTokenKey(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-f]{64}$/i.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) return Buffer.from(t, 'base64');
  throw new TokenStoreError(
    'APICBASE_TOKEN_KEY must be 32 bytes: 64 hex digits or base64 (e.g. `openssl rand -hex 32`)',
  );
}

/**
 * The encryption key: APICBASE_TOKEN_KEY when given, else `apicbase-token.key` in the data folder,
 * created with 32 random bytes and mode 0600 when missing.
 */
export function resolveTokenKey(opts: { key?: string | undefined; dataDir: string }): Buffer {
  if (opts.key) return parseTokenKey(opts.key);
  const file = path.join(opts.dataDir, TOKEN_KEY_FILE_NAME);
  mkdirSync(opts.dataDir, { recursive: true });
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return parseTokenKey(readFileSync(file, 'utf8'));
}

export function defaultTokenStoreFile(dataDir: string): string {
  return path.join(dataDir, TOKEN_STORE_FILE_NAME);
}

export function encryptTokens(tokens: StoredTokens, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(JSON.stringify(storedTokensSchema.parse(tokens)), 'utf8'), cipher.final()]);
  return JSON.stringify({
    v: 1,
    alg: 'aes-256-gcm',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  });
}

export function decryptTokens(text: string, key: Buffer): StoredTokens {
  let file: z.infer<typeof fileSchema>;
  try {
    file = fileSchema.parse(JSON.parse(text));
  } catch {
    throw new TokenStoreError('the Apicbase token store is not a token file written by order-relay');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.iv, 'base64'));
    decipher.setAAD(AAD);
    decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(file.data, 'base64')), decipher.final()]).toString('utf8');
    return storedTokensSchema.parse(JSON.parse(plain));
  } catch {
    // GCM authentication failed: another key (or a tampered file). Say which, never what.
    throw new TokenStoreError(
      'the Apicbase token store cannot be decrypted with this key (APICBASE_TOKEN_KEY or the key file changed?): store the tokens again',
    );
  }
}

export class TokenStore {
  private cache?: { ino: number; mtimeMs: number; size: number; tokens: StoredTokens };

  constructor(
    readonly file: string,
    private readonly key: Buffer,
  ) {}

  /** The stored tokens, or undefined when nothing is stored. Re-reads only when the file changed. */
  read(): StoredTokens | undefined {
    let stat;
    try {
      stat = statSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    // Every write renames a new file into place, so the inode tells a rewrite apart even within one mtime tick.
    if (
      this.cache &&
      this.cache.ino === stat.ino &&
      this.cache.mtimeMs === stat.mtimeMs &&
      this.cache.size === stat.size
    )
      return this.cache.tokens;
    const tokens = decryptTokens(readFileSync(this.file, 'utf8'), this.key);
    this.cache = { ino: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size, tokens };
    return tokens;
  }

  /** Replaces the stored tokens atomically (a reader never sees half a file). */
  write(tokens: StoredTokens): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, encryptTokens(tokens, this.key), { mode: 0o600 });
    renameSync(tmp, this.file);
    this.cache = undefined;
  }
}
