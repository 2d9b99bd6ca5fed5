// Temporal connection settings (src/temporal/connection-settings.ts): TLS, mTLS and API keys from the
// TEMPORAL_* variables and temporal.toml profiles; misconfigurations fail at start naming setting and path.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadTemporalConnectionSettings, TemporalConnectionConfigError } from '../src/temporal/connection-settings';

const dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const cert = path.join(dir, 'client.pem');
const key = path.join(dir, 'client.key');
// A real self-signed client certificate and key, made by openssl.
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=order-relay',
  ],
  { stdio: 'ignore' },
);
const missing = path.join(dir, 'nowhere', 'client.pem');

function rejects(env: Record<string, string>, pattern: RegExp): void {
  assert.throws(
    () => loadTemporalConnectionSettings(env),
    (err: unknown) => err instanceof TemporalConnectionConfigError && pattern.test(err.message),
  );
}

void describe('Temporal connection settings', () => {
  void test('none set: plain connection, nothing added', () => {
    const s = loadTemporalConnectionSettings({ TEMPORAL_ADDRESS: 'temporal:7233', HOME: dir });
    assert.equal(s.address, 'temporal:7233');
    assert.deepEqual(s.security, {});
    assert.deepEqual(s.summary, { profile: undefined, tls: false, clientCertificate: false, apiKey: false });
  });

  void test('mTLS from TEMPORAL_TLS_CLIENT_CERT_PATH / KEY_PATH loads the pair', () => {
    const s = loadTemporalConnectionSettings({
      HOME: dir,
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_NAME: 'ns.tmprl.cloud',
    });
    assert.equal(typeof s.security.tls, 'object');
    const tls = s.security.tls as {
      clientCertPair?: { crt: Uint8Array; key: Uint8Array };
      serverNameOverride?: string;
    };
    assert.ok(tls.clientCertPair && tls.clientCertPair.crt.length > 100 && tls.clientCertPair.key.length > 100);
    assert.equal(tls.serverNameOverride, 'ns.tmprl.cloud');
    assert.equal(s.summary.clientCertificate, true);
  });

  void test('an API key (Temporal Cloud) turns TLS on and is passed, never summarised', () => {
    const s = loadTemporalConnectionSettings({
      HOME: dir,
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_API_KEY: 'secret-api-key-123',
    });
    assert.equal(s.security.apiKey, 'secret-api-key-123');
    assert.equal(s.security.tls, true);
    assert.doesNotMatch(JSON.stringify(s.summary), /secret-api-key/);
  });

  void test('a profile from TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE supplies address, namespace, mTLS', () => {
    const file = path.join(dir, 'temporal.toml');
    writeFileSync(
      file,
      `[profile.prod]\naddress = "prod.tmprl.cloud:7233"\nnamespace = "orders.acct"\n[profile.prod.tls]\nclient_cert_path = "${cert}"\nclient_key_path = "${key}"\n`,
    );
    const s = loadTemporalConnectionSettings({ HOME: dir, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' });
    assert.deepEqual(
      [s.address, s.namespace, s.summary.profile, s.summary.clientCertificate],
      ['prod.tmprl.cloud:7233', 'orders.acct', 'prod', true],
    );
  });

  void test('a missing client certificate file fails naming the variable and the path', () => {
    rejects(
      { HOME: dir, TEMPORAL_TLS_CLIENT_CERT_PATH: missing, TEMPORAL_TLS_CLIENT_KEY_PATH: key },
      new RegExp(`^TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read the certificate file ${missing} \\(ENOENT\\)$`),
    );
  });

  void test('a missing client key file fails naming the variable and the path', () => {
    const absentKey = path.join(dir, 'absent.key');
    rejects(
      { HOME: dir, TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: absentKey },
      new RegExp(`^TEMPORAL_TLS_CLIENT_KEY_PATH: cannot read the key file ${absentKey} \\(ENOENT\\)$`),
    );
  });

  void test('a missing CA file fails naming the variable and the path', () => {
    rejects(
      { HOME: dir, TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_CA_CERT_PATH: missing },
      /^TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read the certificate file .*nowhere\/client\.pem \(ENOENT\)$/,
    );
  });

  void test('a missing key named in a profile fails naming the profile setting, file and path', () => {
    const file = path.join(dir, 'broken.toml');
    writeFileSync(file, `[profile.cloud.tls]\nclient_cert_path = "${cert}"\nclient_key_path = "${missing}"\n`);
    rejects(
      { HOME: dir, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' },
      new RegExp(
        `^tls\\.client_key_path of profile "cloud" in ${file}: cannot read the key file ${missing} \\(ENOENT\\)$`,
      ),
    );
  });

  void test('a certificate where the key should be, and a certificate without a key, are refused', () => {
    rejects(
      { HOME: dir, TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: cert },
      /^TEMPORAL_TLS_CLIENT_KEY_PATH: .* is not a PEM private key$/,
    );
    rejects(
      { HOME: dir, TEMPORAL_TLS_CLIENT_CERT_PATH: cert },
      /mTLS needs both a client certificate and its key: the client key \(TEMPORAL_TLS_CLIENT_KEY_PATH/,
    );
  });

  void test('a missing TEMPORAL_CONFIG_FILE and an unknown TEMPORAL_PROFILE are named', () => {
    rejects(
      { HOME: dir, TEMPORAL_CONFIG_FILE: path.join(dir, 'none.toml') },
      /^TEMPORAL_CONFIG_FILE: cannot read .*none\.toml \(ENOENT\)$/,
    );
    const file = path.join(dir, 'one.toml');
    writeFileSync(file, '[profile.default]\naddress = "a:7233"\n');
    rejects(
      { HOME: dir, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' },
      /TEMPORAL_PROFILE.*Profile 'staging' not found/,
    );
  });
});
