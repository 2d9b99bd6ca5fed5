// Configuration from the environment: secrets from `<NAME>_FILE`, and clear errors that name the
// variable but never print a secret.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config';

void describe('configuration', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'order-relay-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  void it('reads a secret from <NAME>_FILE (trimmed); a variable set directly wins', () => {
    const file = path.join(dir, 'admin_token');
    writeFileSync(file, 'from-the-file-0123456789\n');
    assert.equal(loadConfig({ ADMIN_TOKEN_FILE: file }).ADMIN_TOKEN, 'from-the-file-0123456789');
    assert.equal(
      loadConfig({ ADMIN_TOKEN_FILE: file, ADMIN_TOKEN: 'set-directly-0123456789' }).ADMIN_TOKEN,
      'set-directly-0123456789',
    );
    assert.equal(loadConfig({ ADMIN_TOKEN_FILE: '' }).ADMIN_TOKEN, undefined, 'an empty _FILE means none');
  });

  void it('an unreadable secret file is a ConfigError naming the variable and the path', () => {
    const missing = path.join(dir, 'no-such-file');
    assert.throws(
      () => loadConfig({ ADMIN_TOKEN_FILE: missing, HUBLIFY_CHANNEL_TOKEN_FILE: dir }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.length === 2 &&
        err.problems.some((p) => p === `ADMIN_TOKEN_FILE: cannot read ${missing} (ENOENT)`) &&
        err.problems.some((p) => p.startsWith(`HUBLIFY_CHANNEL_TOKEN_FILE: cannot read ${dir} (`)),
    );
  });

  void it('an invalid secret is reported by name, never by value', () => {
    const file = path.join(dir, 'short_token');
    writeFileSync(file, 'tooshort-secret');
    assert.throws(
      () => loadConfig({ ADMIN_TOKEN_FILE: file }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /ADMIN_TOKEN: must be at least 16 characters/.test(err.message) &&
        !err.message.includes('tooshort-secret'),
    );
  });

  void it("the webhook secrets have the admin token's minimum length (issue 24.9), reported by name, never by value", () => {
    const short = 'fifteen-chars-x';
    for (const key of ['HUBLIFY_WEBHOOK_TOKEN', 'APICBASE_WEBHOOK_SECRET', 'APICBASE_WEBHOOK_SECRET_PREVIOUS']) {
      assert.throws(
        () => loadConfig({ [key]: short }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.problems.length === 1 &&
          err.problems[0] === `${key}: must be at least 16 characters (e.g. \`openssl rand -hex 32\`)` &&
          !err.message.includes(short),
        key,
      );
      assert.equal(
        loadConfig({ [key]: `${short}y` })[key as 'HUBLIFY_WEBHOOK_TOKEN'],
        `${short}y`,
        `${key}: 16 characters are enough`,
      );
    }
  });

  void it('CODEC_LOOPBACK_UNAUTHENTICATED=true with TEMPORAL_ADDRESS (a cluster) is refused (issue 24.6); without it, or false, it loads', () => {
    assert.throws(
      () => loadConfig({ CODEC_LOOPBACK_UNAUTHENTICATED: 'true', TEMPORAL_ADDRESS: 'temporal:7233' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.length === 1 &&
        /^CODEC_LOOPBACK_UNAUTHENTICATED: must not be true with TEMPORAL_ADDRESS/.test(err.problems[0]!),
    );
    assert.equal(
      loadConfig({ CODEC_LOOPBACK_UNAUTHENTICATED: 'false', TEMPORAL_ADDRESS: 'temporal:7233' })
        .CODEC_LOOPBACK_UNAUTHENTICATED,
      false,
    );
    assert.equal(
      loadConfig({ CODEC_LOOPBACK_UNAUTHENTICATED: 'true' }).CODEC_LOOPBACK_UNAUTHENTICATED,
      true,
      'the embedded dev server (no TEMPORAL_ADDRESS)',
    );
  });
});
