// deploy/kubernetes/ cannot be applied here (no cluster): every manifest is validated against the
// Kubernetes API schemas (kubernetes-models, offline), and checked for what the README promises: the
// API and the workers as separate Deployments with probes and resources, a shared store, and only
// variables order-relay reads.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { CONFIG_KEYS } from '../src/config';
import { portOf, publicMetricsProblem } from './helpers/metrics-address';

const DEPLOY = path.join(__dirname, '..', 'deploy');
const FILE = path.join(DEPLOY, 'kubernetes', 'order-relay.yaml');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    template?: {
      spec: {
        containers: Array<{
          env?: Array<{ name: string; value?: string }>;
          ports?: Array<{ name?: string; containerPort: number }>;
          readinessProbe?: { httpGet?: { path: string } };
          livenessProbe?: { httpGet?: { path: string } };
          resources?: { requests?: object };
        }>;
      };
    };
    ports?: Array<{ targetPort?: string | number }>;
  };
}

const manifests = parseAllDocuments(readFileSync(FILE, 'utf8')).map((d) => d.toJS() as Manifest);

/** The kubernetes-models class for apiVersion + kind, e.g. apps/v1 Deployment. */
async function modelOf(m: { apiVersion: string; kind: string }): Promise<new (data: object) => { validate(): void }> {
  // An ES module package: imported, not required.
  const mod = (await import(`kubernetes-models/${m.apiVersion}/${m.kind}`)) as Record<
    string,
    new (data: object) => { validate(): void }
  >;
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
      ...manifests.flatMap(
        (m) => m.spec?.template?.spec.containers.flatMap((c) => (c.env ?? []).map((e) => e.name)) ?? [],
      ),
    ];
    assert.deepEqual(
      env.filter((key) => !CONFIG_KEYS.includes(key)),
      [],
    );
    assert.ok(env.includes('DATABASE_URL_FILE') || env.includes('DATABASE_URL'), 'a shared order store');
  });
});

void describe('every deployment file under deploy/', () => {
  const files = (
    readdirSync(DEPLOY, { recursive: true, withFileTypes: true }) as Array<{
      isFile(): boolean;
      parentPath: string;
      name: string;
    }>
  )
    .filter((f) => f.isFile())
    .map((f) => path.join(f.parentPath, f.name));

  void it("a file that sets order-relay's HOST sets METRICS_ADDRESS too (issue 24.7)", () => {
    assert.ok(files.includes(FILE));
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (/\bHOST\b/.test(text)) assert.match(text, /\bMETRICS_ADDRESS\b/, path.relative(DEPLOY, file));
    }
  });

  void it('Kubernetes: the API serves /metrics on a port of its own, which its Service does not route (issue 24.7)', () => {
    const config = byName('ConfigMap', 'order-relay')!.data ?? {};
    const deployments = manifests.filter((m) => m.kind === 'Deployment');
    assert.ok(deployments.length >= 2);
    for (const d of deployments) {
      const container = d.spec!.template!.spec.containers[0]!;
      const env = { ...config, ...Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value])) };
      assert.equal(publicMetricsProblem(env), undefined, d.metadata.name);
      if (!env.METRICS_ADDRESS || !(env.ORDER_RELAY_ROLES ?? '').includes('api')) continue;
      const metricsPort = container.ports?.find((p) => String(p.containerPort) === portOf(env.METRICS_ADDRESS!));
      assert.ok(metricsPort, `${d.metadata.name}: the metrics port is a container port (for scraping)`);
      for (const service of manifests.filter((m) => m.kind === 'Service')) {
        for (const p of service.spec?.ports ?? [])
          assert.ok(
            p.targetPort !== metricsPort.name && p.targetPort !== metricsPort.containerPort,
            `Service ${service.metadata.name} routes to the metrics port`,
          );
      }
    }
  });
});
