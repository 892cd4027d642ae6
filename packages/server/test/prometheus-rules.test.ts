// The Prometheus rules and Grafana dashboard in deploy/ (deploy/README.md): promtool checks and unit-tests the
// rules, and every metric (and label) the rules and panels name must be one `verdant serve`'s /metrics has.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Store, nowS } from '@verdant/core';
import { testRunRow } from '@verdant/core/testing';
import { createAgentMetrics } from '@verdant/agents';
import { createGridMetrics } from '@verdant/grid';
import { createSchedulerMetrics } from '@verdant/schedule';
import { buildServer } from '../src/index.js';
import { parse } from './prometheus.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DEPLOY = join(ROOT, 'deploy');
const RULES = join(DEPLOY, 'prometheus/verdant-rules.yml');
const RULE_TESTS = join(DEPLOY, 'prometheus/verdant-rules.test.yml');
const SCRAPE_CONFIG = join(DEPLOY, 'prometheus/prometheus.yml');
const DASHBOARD = join(DEPLOY, 'grafana/dashboards/verdant.json');
const DATASOURCES = join(DEPLOY, 'grafana/provisioning/datasources/verdant-prometheus.yml');
const PROVIDERS = join(DEPLOY, 'grafana/provisioning/dashboards/verdant.yml');

/** Series Prometheus itself adds to every scrape job. */
const PROMETHEUS_OWN = new Set(['up']);
/** Labels Prometheus attaches to every scraped series. */
const TARGET_LABELS = new Set(['job', 'instance']);

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const hasPromtool = promtool.status === 0;
if (!hasPromtool) {
  if (process.env.CI === 'true') throw new Error('promtool is not installed but CI=true: .ci/run must install the Debian package `prometheus` (it provides /usr/bin/promtool)');
  console.warn('[skip] promtool checks: install promtool (Debian: apt-get install --no-install-recommends prometheus)');
}

function runPromtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}
interface Target {
  expr: string;
  refId: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown; definition?: string; current?: { value: unknown } }> };
}

const rules = (parseYaml(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const panelExprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
const variableExprs = dashboard.templating.list.filter((v) => v.type === 'query').map((v) => ({ where: `variable $${v.name}`, expr: String(v.definition) }));

/** A panel's query as plain PromQL: Grafana's variables replaced by values Prometheus accepts. */
function asPromql(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '6h')
    .replace(/\$\{?(\w+)\}?/g, '.*');
}

/** Metric names an expression reads: Verdant's (verdant_*) and Prometheus's own, e.g. up. */
function metricsIn(expr: string): string[] {
  const names = [...expr.matchAll(/\b(verdant_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
  if (/\bup\s*\{/.test(expr)) names.push('up');
  return [...new Set(names)];
}

/** Label names an expression's selectors and groupings use, by metric (selector labels) or '' (by/without/on). */
function selectorLabels(expr: string): Array<{ metric: string; labels: string[] }> {
  return [...expr.matchAll(/\b(verdant_[a-z0-9_]+)\{([^}]*)\}/g)].map((m) => ({ metric: m[1]!, labels: [...m[2]!.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!) }));
}

describe('Prometheus rules and Grafana dashboard (deploy/)', () => {
  let store: Store;
  /** Metric name -> label names seen on its samples (empty for a metric with no samples yet). */
  const exposed = new Map<string, Set<string>>();

  beforeAll(async () => {
    store = await Store.open({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-rules-')), 'v.db')}` });
    // A live run of this process with a budget, and one that ended: every per-run series is on the page.
    const now = nowS();
    const live = testRunRow({ name: 'train', zone: 'DE', host: 'node-a', interval_s: 3600, started_at: now - 60, meta: JSON.stringify({ budget: { maxEnergyJ: 1000, maxEmissionsG: 1, onExceed: 'warn' } }) });
    await store.createRun(live, [{ run_id: live.id, sensor_id: 'gpu:0', kind: 'gpu', method: 'fixture', description: '', estimate: 0 }]);
    await store.appendSamples([{ run_id: live.id, sensor_id: 'gpu:0', t: now - 1, dt: 1, energy_j: 250, power_w: 250, intensity_g_per_kwh: 300, emissions_g: 0.02 }], {
      id: live.id,
      energy_j: 250,
      emissions_g: 0.02,
      heartbeat_at: now,
    });
    const ended = testRunRow({ name: 'eval', zone: 'FR', host: 'node-b', started_at: now - 600, heartbeat_at: now - 60 });
    await store.createRun(ended, [{ run_id: ended.id, sensor_id: 'gpu:0', kind: 'gpu', method: 'fixture', description: '', estimate: 0 }]);
    await store.updateRun(ended.id, { status: 'interrupted', ended_at: now - 60, energy_j: 500, emissions_g: 0.01 });

    // The registries `verdant serve` adds (packages/cli/src/commands/serve.ts), each with one sample so their labels show.
    const agents = createAgentMetrics();
    agents.observer.callStarted('search');
    agents.observer.callFinished('search', 'ok', 0.2, true);
    agents.observer.callFinished('search', 'timeout', 5, false);
    agents.observer.rateLimitWaited('search', 0.5);
    agents.observer.breakerStateChanged('search', 'open');
    const grid = createGridMetrics();
    grid.observer.answered({ zone: 'DE', query: 'current', link: 'cache', provider: 'store', ageS: 60, failures: [{ link: 'live', provider: 'electricitymaps', error: 'HTTP 503' }] });
    grid.observer.failed({ zone: 'XX', query: 'forecast', failures: [] });
    const scheduler = createSchedulerMetrics();
    scheduler.passes.inc({ outcome: 'ok' });

    const app = await buildServer({ store, extraRegistries: [agents.registry, grid.registry, scheduler.registry] });
    try {
      const res = await app.inject('/metrics');
      expect(res.statusCode).toBe(200);
      for (const m of res.body.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        const suffixes = m[2] === 'histogram' ? ['_bucket', '_sum', '_count'] : m[2] === 'summary' ? ['', '_sum', '_count'] : [''];
        for (const s of suffixes) exposed.set(`${m[1]}${s}`, new Set());
      }
      for (const s of parse(res.body)) for (const l of Object.keys(s.labels)) exposed.get(s.metric)?.add(l);
    } finally {
      await app.close();
    }
  });
  afterAll(() => store?.close());

  it('reads the real /metrics page (sanity: its run, queue, grid, scheduler and agent series are there)', () => {
    for (const name of ['verdant_run_budget_used_ratio', 'verdant_run_power_watts', 'verdant_jobs', 'verdant_grid_answer_link', 'verdant_scheduler_last_pass_timestamp_seconds', 'verdant_agent_tool_calls_total']) {
      expect(exposed.has(name), name).toBe(true);
    }
  });

  it('names, in every alert rule, rule test series, panel query and dashboard variable, only metrics and labels /metrics exposes', () => {
    const testSeries = (parseYaml(readFileSync(RULE_TESTS, 'utf8')) as { tests: Array<{ input_series: Array<{ series: string }> }> }).tests.flatMap((t) =>
      t.input_series.map((s) => ({ where: `rule test series ${s.series}`, expr: s.series })),
    );
    const all = [...rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })), ...panelExprs, ...variableExprs, ...testSeries];
    const problems: string[] = [];
    for (const { where, expr } of all) {
      const names = metricsIn(expr);
      if (!names.length && !where.startsWith('rule test')) problems.push(`${where}: names no Verdant metric`);
      for (const n of names) if (!exposed.has(n) && !PROMETHEUS_OWN.has(n)) problems.push(`${where}: ${n} is not on /metrics`);
      for (const { metric, labels } of selectorLabels(expr)) {
        const known = exposed.get(metric);
        if (!known?.size) continue; // a metric with no sample yet has no labels to compare
        for (const l of labels) if (!known.has(l) && !TARGET_LABELS.has(l)) problems.push(`${where}: ${metric} has no label "${l}" (it has ${[...known].join(', ')})`);
      }
    }
    expect(problems).toEqual([]);
    // The rule tests set the inputs of every alert.
    const tested = new Set((parseYaml(readFileSync(RULE_TESTS, 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string }> }> }).tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    expect(rules.filter((r) => r.alert && !tested.has(r.alert)).map((r) => r.alert)).toEqual([]);
  });

  it('is a Grafana dashboard that picks the provisioned Prometheus datasource through its variable', () => {
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const dsVar = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(dsVar).toMatchObject({ name: 'datasource', query: 'prometheus' });
    const provisioned = (parseYaml(readFileSync(DATASOURCES, 'utf8')) as { datasources: Array<{ uid: string; type: string }> }).datasources;
    expect(provisioned).toContainEqual(expect.objectContaining({ uid: dsVar!.current!.value, type: 'prometheus' }));
    const provider = (parseYaml(readFileSync(PROVIDERS, 'utf8')) as { providers: Array<{ type: string; options: { path: string } }> }).providers;
    expect(provider).toContainEqual(expect.objectContaining({ type: 'file' }));

    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x >= 0 && w > 0 && x + w <= 24 && h > 0, `${p.title} fits the 24-column grid`).toBe(true);
      for (let i = x; i < x + w; i++) for (let j = y; j < y + h; j++) {
        expect(cells.has(`${i},${j}`), `${p.title} overlaps another panel at ${i},${j}`).toBe(false);
        cells.add(`${i},${j}`);
      }
    }
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets!) expect(t.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
  });

  describe.skipIf(!hasPromtool)('promtool', () => {
    it('checks the rules and the example scrape configuration', () => {
      const rulesCheck = runPromtool('check', 'rules', RULES);
      expect(rulesCheck.status, rulesCheck.output).toBe(0);
      const config = runPromtool('check', 'config', SCRAPE_CONFIG);
      expect(config.status, config.output).toBe(0);
    });

    it('passes the rule unit tests (each alert firing and not firing on input series)', () => {
      const r = runPromtool('test', 'rules', RULE_TESTS);
      expect(r.status, r.output).toBe(0);
      expect(r.output).toContain('SUCCESS');
    });

    it('parses every panel query and variable of the dashboard as PromQL', () => {
      const groups = [
        {
          name: 'dashboard',
          rules: [...panelExprs, ...variableExprs.map((v) => ({ ...v, expr: v.expr.replace(/^label_values\((\w+),.*\)$/, '$1') }))].map((e, i) => ({ record: `dashboard:query_${i}`, expr: asPromql(e.expr) })),
        },
      ];
      const file = join(mkdtempSync(join(tmpdir(), 'verdant-dash-')), 'dashboard-rules.json');
      writeFileSync(file, JSON.stringify({ groups })); // YAML is a superset of JSON
      const r = runPromtool('check', 'rules', file);
      expect(r.status, r.output).toBe(0);
    });
  });
});
