// Reading a Prometheus text page in tests (metrics.test.ts, groups.test.ts).

export interface Series {
  metric: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text page. */
export function parse(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ metric: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export function find(series: Series[], metric: string, labels: Record<string, string>): Series[] {
  return series.filter((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one series of `metric` with these labels (undefined when absent). */
export function value(series: Series[], metric: string, labels: Record<string, string>): number | undefined {
  const found = find(series, metric, labels);
  if (found.length > 1) throw new Error(`${found.length} series of ${metric} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
