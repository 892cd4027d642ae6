import type { SimulationRow } from './simulate.js';

const noiseLabel = (noise: number): string => `noise ${+(noise * 100).toFixed(2)}%`;

/** Column heading of a (variant, noise) pair; noise is left out when the study has one level only. */
function columnOf(r: SimulationRow, showNoise: boolean): string {
  return showNoise ? `${r.variant} ${noiseLabel(r.noise)}` : r.variant;
}

const cell = (r: SimulationRow): string =>
  r.runs > 1 ? `${r.savingsPct.toFixed(1)}% ±${r.savingsPctStd.toFixed(2)}` : `${r.savingsPct.toFixed(1)}%`;

/**
 * A plain-text table: one line per zone and year, one column per variant (and noise level), savings against
 * running at the nominal time; "±x" is the standard deviation over seeds.
 */
export function formatTable(rows: readonly SimulationRow[]): string {
  const showNoise = new Set(rows.map((r) => r.noise)).size > 1;
  const columns = [...new Set(rows.map((r) => columnOf(r, showNoise)))];
  const keys = [...new Set(rows.map((r) => `${r.zone}\u0000${r.year}`))];
  const header = ['zone', 'year', 'jobs', ...columns];
  const body = keys.map((key) => {
    const [zone, year] = key.split('\u0000') as [string, string];
    const mine = rows.filter((r) => r.zone === zone && String(r.year) === year);
    const jobs = [...new Set(mine.map((r) => r.jobs))].join('/');
    return [zone, year, jobs, ...columns.map((c) => {
      const r = mine.find((x) => columnOf(x, showNoise) === c);
      return r ? cell(r) : '-';
    })];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => (line[i] as string).length)));
  const fmt = (line: string[]): string => line.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt)].join('\n');
}

const CSV_COLUMNS: (keyof SimulationRow)[] = [
  'scenario', 'zone', 'year', 'variant', 'interruptible', 'noise', 'runs', 'jobs',
  'baselineKg', 'shiftedKg', 'savingsPct', 'savingsPctStd', 'savingsPctMin', 'savingsPctMax',
];

const csvField = (v: unknown): string => {
  const s = typeof v === 'number' ? String(+v.toPrecision(10)) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One CSV line per row, with a header (snake_case column names). */
export function toCsv(rows: readonly SimulationRow[]): string {
  const head = CSV_COLUMNS.map((c) => c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)).join(',');
  return `${[head, ...rows.map((r) => CSV_COLUMNS.map((c) => csvField(r[c])).join(','))].join('\n')}\n`;
}

/** One line of a savings chart: a variant's savings (%) per year in one zone, at one noise level. */
export interface SavingsSeries {
  zone: string;
  variant: string;
  interruptible: boolean;
  noise: number;
  years: number[];
  savingsPct: number[];
  savingsPctStd: number[];
}

/** The rows as chart series: one per zone, variant, interruptibility and noise, its points by year. */
export function savingsSeries(rows: readonly SimulationRow[]): SavingsSeries[] {
  const byKey = new Map<string, SavingsSeries>();
  for (const r of [...rows].sort((a, b) => a.year - b.year)) {
    const key = [r.zone, r.variant, r.interruptible, r.noise].join('\u0000');
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { zone: r.zone, variant: r.variant, interruptible: r.interruptible, noise: r.noise, years: [], savingsPct: [], savingsPctStd: [] }));
    s.years.push(r.year);
    s.savingsPct.push(r.savingsPct);
    s.savingsPctStd.push(r.savingsPctStd);
  }
  return [...byKey.values()];
}
