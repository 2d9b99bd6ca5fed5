// deploy/: the Prometheus alert rules pass `promtool check rules`, and every metric the rules and the
// Grafana dashboard use is one a running order-relay really exports (read from its live /metrics, after
// one pulled order, one webhook order and one failed Hublify call, so the SDK's metrics exist too).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { orderWorkflowId } from '../src/apicbase/order';
import { createLogger } from '../src/logger';
import { freeLoopbackPort } from '../src/net/free-port';
import { installTemporalRuntime } from '../src/temporal/runtime';
import { startApicbaseTestSystem, runScheduleNow, waitUntil, type ApicbaseTestSystem } from './helpers/apicbase';
import { stageIs, waitForStatus } from './helpers/orders';
import { exportedMetricNames } from './helpers/prometheus-text';
import { ensurePromtool } from './helpers/promtool';
import { sampleOrder } from './helpers/sample-order';
import { deliverOrder } from './helpers/webhook';

const root = path.resolve(__dirname, '..');
const RULES_FILE = path.join(root, 'deploy', 'prometheus', 'order-relay-rules.yml');
const DASHBOARD_FILE = path.join(root, 'deploy', 'grafana', 'order-relay-dashboard.json');
/** Series Prometheus makes itself, not order-relay. */
const PROMETHEUS_OWN = new Set(['up']);

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; expr: string }> }>;
}
interface Dashboard {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
}

const PROMQL_WORDS = new Set([
  'sum',
  'rate',
  'increase',
  'by',
  'without',
  'histogram_quantile',
  'absent',
  'or',
  'and',
  'unless',
  'le',
  'on',
  'ignoring',
  'max',
  'min',
  'avg',
  'count',
  'time',
  'timestamp',
]);

/** The metric names a PromQL expression reads (label names and values, functions and keywords left out). */
function metricNames(expr: string): string[] {
  const withoutStrings = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '');
  const withoutGrouping = withoutStrings.replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  return [...withoutGrouping.matchAll(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b/g)]
    .map((m) => m[0])
    .filter((w) => (!PROMQL_WORDS.has(w) && !/^\d/.test(w) && w.includes('_')) || PROMETHEUS_OWN.has(w));
}

/** Every metric name on a /metrics page: sample lines' names and the names in # TYPE lines. */
void describe('deploy/ alert rules and dashboard', () => {
  const rules = parse(readFileSync(RULES_FILE, 'utf8')) as RuleFile;
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
  const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `rule ${r.alert}`, expr: r.expr })));
  const panelExprs = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })),
  );

  void it('promtool check rules accepts the rules', () => {
    const out = execFileSync(ensurePromtool(), ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
    assert.match(out, new RegExp(`SUCCESS: ${ruleExprs.length} rules found`));
  });

  void it('alerts on every situation operators asked for', () => {
    const alerts = ruleExprs.map((r) => r.where);
    for (const alert of [
      'OrderNeedsAttention',
      'OrderOverdue',
      'WebhookServerErrors',
      'HublifyErrorRate',
      'OrderRelayWorkerDown',
      'ApicbasePullScheduleNotRunning',
      'HublifySweepNotSucceeding',
    ]) {
      assert.ok(alerts.includes(`rule ${alert}`), alert);
    }
  });

  void describe('against a running order-relay', () => {
    let t: ApicbaseTestSystem;
    let exported: Set<string>;
    before(async () => {
      // As `npm start` does for a worker: the SDK's own metrics on (the runtime is installed once per process).
      installTemporalRuntime(createLogger('silent'), { sdkMetricsAddress: `127.0.0.1:${await freeLoopbackPort()}` });
      t = await startApicbaseTestSystem({
        APICBASE_MODE: 'both',
        APICBASE_POLL_INTERVAL: '1h',
        APICBASE_PULL_SINCE: '2026-01-01T00:00:00Z',
      });
      const { system } = t;
      // One pulled order through a completed pull run; one webhook order whose first order_create fails.
      const pulled = (
        await t.apicbase.placeOrder({ delivery: 'pull', orderedOn: new Date(Date.now() - 60_000).toISOString() })
      ).order;
      await runScheduleNow(system.relay.client, 'apicbase-pull-orders');
      system.sandbox.injectFault({ kind: 'http500', count: 1, verbs: ['order_create'] });
      const order = sampleOrder();
      const delivery = await deliverOrder(system.baseUrl, order);
      assert.ok(delivery.status < 300, JSON.stringify(delivery.body));
      for (const id of [pulled.id, order.id]) {
        await waitForStatus(
          system.relay.client.workflow.getHandle(orderWorkflowId(id)),
          stageIs('WAITING_FOR_SHIPMENT'),
          60_000,
        );
      }
      let last = '';
      const text = await waitUntil(
        async () => {
          last = await (await fetch(`${system.baseUrl}/metrics`)).text();
          return (
            /^temporal_activity_execution_failed\S*\{/m.test(last) &&
            /^temporal_workflow_completed\S*\{[^}]*pullOrdersWorkflow/m.test(last) &&
            last
          );
        },
        60_000,
        'the SDK metrics of the failed injection and the completed pull run on /metrics',
      ).catch((err: Error) => {
        throw new Error(
          `${err.message}; temporal metrics there: ${[...exportedMetricNames(last)].filter((n) => n.startsWith('temporal_')).join(', ')}`,
        );
      });
      exported = exportedMetricNames(text);
    });
    after(() => t?.close());

    void it('every metric a rule or a panel reads is on the live /metrics', () => {
      const missing: string[] = [];
      let checked = 0;
      for (const { where, expr } of [...ruleExprs, ...panelExprs]) {
        const names = metricNames(expr);
        assert.ok(names.length > 0, `${where} reads no metric: ${expr}`);
        for (const name of names) {
          checked++;
          if (!PROMETHEUS_OWN.has(name) && !exported.has(name)) missing.push(`${where}: ${name}`);
        }
      }
      assert.deepEqual(
        missing,
        [],
        `not exported; order-relay exports: ${[...exported]
          .filter((n) => !n.endsWith('_bucket'))
          .sort()
          .join(', ')}`,
      );
      assert.ok(checked >= ruleExprs.length + panelExprs.length);
    });
  });
});
