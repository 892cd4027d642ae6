// Figures as people read them. Inputs are SI (J, W, g, s); outputs carry their unit.

const nf = (digits: number) => new Intl.NumberFormat(undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const n0 = nf(0);
const n1 = nf(1);
const n2 = nf(2);
const n3 = nf(3);

function scaled(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? n0.format(v) : a >= 10 ? n1.format(v) : a >= 1 ? n2.format(v) : n3.format(v);
}

/** `v` with the largest prefix of `steps` ([factor, unit], largest first) that keeps it at or above 1. */
function prefixed(v: number | null | undefined, steps: ReadonlyArray<readonly [number, string]>): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const base = steps.find(([factor]) => factor === 1)![1];
  if (v === 0) return `0 ${base}`;
  const a = Math.abs(v);
  const [factor, unit] = steps.find(([factor]) => a >= factor) ?? steps[steps.length - 1]!;
  return `${scaled(v / factor)} ${unit}`;
}

const WH = [[1e6, 'MWh'], [1e3, 'kWh'], [1, 'Wh'], [1e-3, 'mWh'], [1e-6, 'µWh']] as const;
const GRAMS = [[1e6, 't CO₂e'], [1e3, 'kg CO₂e'], [1, 'g CO₂e'], [1e-3, 'mg CO₂e'], [1e-6, 'µg CO₂e']] as const;
const WATTS = [[1e6, 'MW'], [1e3, 'kW'], [1, 'W'], [1e-3, 'mW']] as const;

/** Joules as Wh (with a prefix: mWh, kWh, MWh). */
export function energy(j: number | null | undefined): string {
  return prefixed(j === null || j === undefined ? j : j / 3600, WH);
}

/** Grams CO2e (with a prefix: mg, kg, t). */
export function emissions(g: number | null | undefined): string {
  return prefixed(g, GRAMS);
}

export function power(w: number | null | undefined): string {
  return prefixed(w, WATTS);
}

export function intensity(g: number | null | undefined): string {
  if (g === null || g === undefined || !Number.isFinite(g)) return '–';
  return `${n0.format(g)} g/kWh`;
}

export function percent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '–';
  return `${n1.format(fraction * 100)} %`;
}

export function duration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  const sign = s < 0 ? '−' : '';
  // Under a second (an agent's tool call, a model request): milliseconds, not "0 s".
  if (Math.abs(s) > 0 && Math.abs(s) < 0.9995) return `${sign}${Math.max(1, Math.round(Math.abs(s) * 1000))} ms`;
  let r = Math.round(Math.abs(s));
  const d = Math.floor(r / 86400);
  r -= d * 86400;
  const h = Math.floor(r / 3600);
  r -= h * 3600;
  const m = Math.floor(r / 60);
  const sec = r - m * 60;
  // Whole units only where they say something: "30 min", "2 h 5 min", "3 d", "4 min 20 s", "45 s".
  const parts = d ? [`${d} d`, h ? `${h} h` : ''] : h ? [`${h} h`, m ? `${m} min` : ''] : m ? [`${m} min`, sec && m < 10 ? `${sec} s` : ''] : [`${sec} s`];
  return sign + parts.filter(Boolean).join(' ');
}

/** Epoch seconds of an ISO string or a number (epoch seconds). */
export function epochS(t: string | number | null | undefined): number {
  if (t === null || t === undefined) return NaN;
  return typeof t === 'number' ? t : Date.parse(t) / 1000;
}

const dtf = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const tf = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function dateTime(t: string | number | null | undefined): string {
  const s = epochS(t);
  return Number.isFinite(s) ? dtf.format(new Date(s * 1000)) : '–';
}

export function time(t: string | number | null | undefined): string {
  const s = epochS(t);
  return Number.isFinite(s) ? tf.format(new Date(s * 1000)) : '–';
}

/** A `datetime-local` input's value as ISO 8601 (UTC); '' stays ''. */
export function localInputToIso(v: string): string {
  if (!v) return '';
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

/** Epoch seconds as a `datetime-local` input value in local time. */
export function isoToLocalInput(s: number): string {
  const d = new Date(s * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A message with its ISO times ("start at 2026-12-07T05:00:00.000Z") written for people, in local time. */
export function humanTimes(message: string): string {
  return message.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})/g, (iso) => {
    const t = Date.parse(iso);
    return Number.isFinite(t) ? dateTime(t / 1000) : iso;
  });
}
