// deploy/kubernetes/ cannot be applied here (no cluster): every manifest is validated against the
// Kubernetes API schemas (kubernetes-models, offline), and checked for what the README promises: the
// API and the workers as separate Deployments with probes and resources, a shared store, and only
// variables order-relay reads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { CONFIG_KEYS } from '../src/config';

const FILE = path.join(__dirname, '..', 'deploy', 'kubernetes', 'order-relay.yaml');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    template?: { spec: { containers: Array<{ env?: Array<{ name: string; value?: string }>; readinessProbe?: { httpGet?: { path: string } }; livenessProbe?: { httpGet?: { path: string } }; resources?: { requests?: object } }> } };
  };
}

const manifests = parseAllDocuments(readFileSync(FILE, 'utf8')).map((d) => d.toJS() as Manifest);

/** The kubernetes-models class for apiVersion + kind, e.g. apps/v1 Deployment. */
async function modelOf(m: { apiVersion: string; kind: string }): Promise<new (data: object) => { validate(): void }> {
  // An ES module package: imported, not required.
  const mod = (await import(`kubernetes-models/${m.apiVersion}/${m.kind}`)) as Record<string, new (data: object) => { validate(): void }>;
  const model = mod[m.kind];
  if (!model) throw new Error(`no schema for ${m.apiVersion} ${m.kind}`);
  return model;
}

const validate = async (m: { apiVersion: string; kind: string }) => new (await modelOf(m))(m).validate();
const byName = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);

void describe('deploy/kubernetes/order-relay.yaml', () => {
  void it('every manifest is valid against the Kubernetes API schemas', async () => {
    assert.ok(manifests.length >= 5);
    for (const m of manifests) await assert.doesNotReject(validate(m), `${m.kind} ${m.metadata.name}`);
  });

  void it('the schema check catches a broken manifest (so the check above means something)', async () => {
    const deployment = structuredClone(byName('Deployment', 'order-relay-api')!);
    (deployment.spec as Record<string, unknown>).replicas = 'two';
    await assert.rejects(validate(deployment));
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 'http' }] } };
    await assert.rejects(validate(service));
  });

  void it('runs the API and the workers as separate Deployments, with probes, resources and replicas', () => {
    const api = byName('Deployment', 'order-relay-api')!;
    const worker = byName('Deployment', 'order-relay-worker')!;
    const container = (d: Manifest) => d.spec!.template!.spec.containers[0]!;
    const role = (d: Manifest) => container(d).env?.find((e) => e.name === 'ORDER_RELAY_ROLES')?.value;
    assert.equal(role(api), 'api');
    assert.equal(role(worker), 'worker');
    assert.equal(container(api).readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(container(api).livenessProbe?.httpGet?.path, '/healthz');
    assert.ok(container(worker).livenessProbe?.httpGet);
    for (const d of [api, worker]) {
      assert.ok((d.spec!.replicas ?? 1) >= 2, `${d.metadata.name}: replicas`);
      assert.ok(container(d).resources?.requests, `${d.metadata.name}: resource requests`);
    }
    assert.ok(byName('Service', 'order-relay-api'));
  });

  void it('sets only variables order-relay reads, a shared store among them', () => {
    const config = byName('ConfigMap', 'order-relay')!;
    const env = [
      ...Object.keys(config.data ?? {}),
      ...manifests.flatMap((m) => m.spec?.template?.spec.containers.flatMap((c) => (c.env ?? []).map((e) => e.name)) ?? []),
    ];
    assert.deepEqual(env.filter((key) => !CONFIG_KEYS.includes(key)), []);
    assert.ok(env.includes('DATABASE_URL_FILE') || env.includes('DATABASE_URL'), 'a shared order store');
  });
});
