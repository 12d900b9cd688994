// Grafana cannot run on our machines, so the dashboards and alert rules are checked as data:
// every query is extracted, checked for shape and metric names here, parsed by promtool (a failure
// when it is missing), and run against a live Prometheus in test/e2e/dashboard-queries.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  alertExpressions,
  allQueries,
  bracketsBalanced,
  dashboardFiles,
  loadYaml,
  metricNames,
  repoRoot,
  toPromQL,
} from '../support/dashboard-queries';
import { requireCommand } from '../../scripts/lib/system-packages.mjs';

// The series the replicas expose (src/infra metrics) and the ones the exporters expose. The
// exporter names were read from the /metrics output of Debian 12's prometheus-redis-exporter
// 1.45, prometheus-postgres-exporter 0.11.1 and prometheus-nginx-exporter 0.11 — the versions
// the compose files pin — run against a real Redis, PostgreSQL 15 and nginx stub_status.
const KNOWN_METRICS = new Set([
  'up',
  'http_requests_total',
  'http_request_duration_seconds_bucket',
  'http_request_duration_seconds_sum',
  'http_request_duration_seconds_count',
  'statelab_sessions_created_total',
  'statelab_sessions_destroyed_total',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_seconds',
  'nodejs_heap_size_used_bytes',
  'redis_up',
  'redis_commands_processed_total',
  'redis_memory_used_bytes',
  'redis_connected_clients',
  'pg_up',
  'pg_stat_database_numbackends',
  'pg_stat_activity_count',
  'nginx_up',
  'nginx_connections_active',
  'nginx_http_requests_total',
]);

interface Dashboard {
  uid?: string;
  title?: string;
  panels?: { title?: string; type?: string; datasource?: { uid?: string }; targets?: { datasource?: { uid?: string } }[] }[];
  templating?: { list?: { name: string; type: string; current?: { value?: string } }[] };
}

const provisionedUid = (
  loadYaml(path.join(repoRoot, 'grafana', 'provisioning', 'datasources', 'prometheus.yml')) as {
    datasources: { uid: string; type: string }[];
  }
).datasources[0]!.uid;

describe('Grafana dashboards and alert rules', () => {
  const queries = allQueries();

  it('when the dashboards folder is read, then it holds the overview dashboard with a unique uid each', () => {
    const files = dashboardFiles();
    expect(files.map((file) => path.basename(file))).toContain('statelab-overview.json');
    const uids = files.map((file) => (JSON.parse(readFileSync(file, 'utf8')) as Dashboard).uid);
    expect(uids.every(Boolean)).toBe(true);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('when a panel names its datasource, then it is the ${datasource} variable, defaulting to the provisioned uid', () => {
    for (const file of dashboardFiles()) {
      const dashboard = JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
      const variable = dashboard.templating?.list?.find((v) => v.name === 'datasource');
      expect(variable?.type).toBe('datasource');
      expect(variable?.current?.value).toBe(provisionedUid);
      for (const panel of dashboard.panels ?? []) {
        if (panel.type === 'row') continue;
        expect({ panel: panel.title, uid: panel.datasource?.uid }).toEqual({ panel: panel.title, uid: '${datasource}' });
        for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe('${datasource}');
      }
    }
  });

  it('when every query and alert expression is extracted, then each is non-empty with balanced brackets', () => {
    expect(queries.filter((q) => q.origin === 'panel').length).toBeGreaterThanOrEqual(15);
    expect(queries.filter((q) => q.origin === 'alert').length).toBeGreaterThanOrEqual(4);
    const bad = queries.filter((q) => q.expr.trim() === '' || !bracketsBalanced(q.expr));
    expect(bad).toEqual([]);
  });

  it('when the metric names of every expression are listed, then each is a metric the cluster exposes', () => {
    const unknown = queries.flatMap((q) =>
      metricNames(toPromQL(q.expr))
        .filter((name) => !KNOWN_METRICS.has(name))
        .map((name) => `${q.source}: ${name}`),
    );
    expect(unknown).toEqual([]);
    expect(queries.every((q) => metricNames(toPromQL(q.expr)).length > 0)).toBe(true);
  });

  it('when the dashboards are read together, then every view the issue asks for has a query', () => {
    const used = new Set(queries.filter((q) => q.origin === 'panel').flatMap((q) => metricNames(toPromQL(q.expr))));
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'statelab_sessions_created_total',
      'statelab_sessions_destroyed_total',
      'redis_commands_processed_total',
      'redis_memory_used_bytes',
      'pg_stat_database_numbackends',
      'nginx_connections_active',
    ]) {
      expect(used).toContain(name);
    }
    const latency = queries.filter((q) => q.expr.includes('http_request_duration_seconds_bucket') && q.origin === 'panel');
    for (const quantile of ['0.5', '0.95', '0.99']) {
      expect(latency.some((q) => q.expr.startsWith(`histogram_quantile(${quantile},`))).toBe(true);
    }
  });

  it('when the alert rules are read, then replica-down, error-ratio, p95 and Redis-down alerts exist with a summary', () => {
    const rules = loadYaml(path.join(repoRoot, 'prometheus', 'alerts.yml')) as {
      groups: { rules: { alert: string; for?: string; annotations?: { summary?: string } }[] }[];
    };
    const alerts = rules.groups.flatMap((group) => group.rules);
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining(['ReplicaDown', 'HighErrorRatio', 'HighLatencyP95', 'RedisDown']),
    );
    for (const alert of alerts) {
      expect(alert.for).toBeTruthy();
      expect(alert.annotations?.summary).toBeTruthy();
    }
    const byName = new Map(alertExpressions().map((q) => [q.source.split(' › ').pop(), q.expr]));
    expect(byName.get('ReplicaDown')).toMatch(/up\{job="statelab"\} == 0/);
    expect(byName.get('HighErrorRatio')).toMatch(/> 0\.05\s*$/);
    expect(byName.get('RedisDown')).toMatch(/redis_up == 0 or up\{job="redis"\} == 0/);
  });

  it('when promtool parses every expression as a recording rule, then none is rejected', () => {
    const promtool = requireCommand('promtool');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'statelab-promql-'));
    try {
      const file = path.join(dir, 'rules.yml');
      const rules = queries.map((q, i) => ({ record: `statelab:check_${i}`, expr: toPromQL(q.expr) }));
      // JSON is valid YAML, so no YAML writer is needed.
      writeFileSync(file, JSON.stringify({ groups: [{ name: 'check', rules }] }));
      const out = execFileSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
      expect(out).toContain(`SUCCESS: ${rules.length} rules found`);
      execFileSync(promtool, ['check', 'rules', path.join(repoRoot, 'prometheus', 'alerts.yml')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
