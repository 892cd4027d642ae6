import { invalidInput, nowS, parseDeadline, parseDuration, parseMass, parsePositive, parseTime, parseWholeNumber } from '@verdant/core';
import type { Precision } from './devices.js';
import type { JobInput } from './model.js';
import type { OfferFormat } from './offers.js';
import type { Pricing, RecommendObjective, RecommendRequest } from './recommend.js';

/**
 * What the faces pass: the library's own field names with the values as typed (a CLI flag's string, a JSON
 * body's string or number). Parsed here once, for the CLI and the server alike; errors name these fields.
 */
export type RawFields = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

const SUFFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12 };

/** A count with an optional K/M/B/T suffix: "7B" parameters, "2T" tokens, "1.5e12". */
export function parseCount(input: string | number, field: string): number {
  if (typeof input === 'number') {
    if (Number.isFinite(input) && input > 0) return input;
    throw invalidInput(field, `must be a positive number, got ${input}`);
  }
  const m = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?|\.\d+)\s*([kmbgt]?)\s*$/i.exec(input);
  const v = m ? Number(m[1]) * SUFFIX[m[2]!.toLowerCase()]! : NaN;
  if (!(v > 0)) throw invalidInput(field, `cannot read "${input}" as a count`, 'write a number, optionally with K, M, B or T (7B, 2T, 1.5e12)');
  return v;
}

const str = (v: RawFields[string]): string | undefined => (v === undefined ? undefined : String(v));
const num = (v: RawFields[string], field: string): number | undefined => (v === undefined ? undefined : typeof v === 'number' ? v : parsePositive(String(v), field));
const list = (v: RawFields[string]): string[] | undefined =>
  v === undefined ? undefined : (Array.isArray(v) ? v : String(v).split(',')).map((s: string) => s.trim()).filter(Boolean);

/** A job from raw fields: paramsTotal, paramsActive, tokens, precision, measured ("3000@h100:8"), … */
export function jobFromFields(f: RawFields): JobInput {
  if (f.paramsTotal === undefined) throw invalidInput('paramsTotal', 'is required', 'give the model size, e.g. 7B');
  if (f.tokens === undefined && f.measured === undefined) throw invalidInput('tokens', 'is required', 'give the training tokens, e.g. 2T');
  const job: JobInput = { paramsTotal: parseCount(f.paramsTotal as string, 'paramsTotal'), tokens: parseCount((f.tokens ?? 0) as string, 'tokens') };
  if (f.paramsActive !== undefined) job.paramsActive = parseCount(f.paramsActive as string, 'paramsActive');
  if (f.precision !== undefined) job.precision = String(f.precision).toLowerCase() as Precision;
  if (f.measured !== undefined) {
    const m = /^\s*([\d.e+]+)\s*@\s*([^:]+):(\d+)\s*$/i.exec(String(f.measured));
    if (!m) throw invalidInput('measured', `cannot read "${f.measured}"`, 'write tokens/s@device:count, e.g. 3000@h100:8');
    job.measured = { tokensPerS: parsePositive(m[1]!, 'measured'), deviceId: m[2]!.trim(), count: parseWholeNumber(m[3]!, 'measured', 1) };
  }
  const opt = (k: keyof JobInput & string): void => {
    const v = num(f[k], k);
    if (v !== undefined) (job as unknown as Record<string, number>)[k] = v;
  };
  for (const k of ['optimizerBytesPerParam', 'utilization', 'scalingPerDoubling', 'pue'] as const) opt(k);
  for (const k of ['memoryOverhead', 'hostOverhead'] as const) {
    if (f[k] !== undefined) {
      const v = Number(f[k]);
      if (!(v >= 0)) throw invalidInput(k, `must be a number ≥ 0, got "${f[k]}"`);
      job[k] = v;
    }
  }
  return job;
}

/** A recommend request from raw fields (times as ISO or epoch seconds, the deadline also as a duration after the start). */
export function recommendFromFields(f: RawFields, now = nowS()): RecommendRequest {
  const job = jobFromFields(f);
  const earliestStart = f.earliestStart === undefined ? now : typeof f.earliestStart === 'number' ? f.earliestStart : parseTime(String(f.earliestStart), 'earliestStart');
  if (f.deadline === undefined) throw invalidInput('deadline', 'is required', 'give the latest finish, e.g. 14d or 2027-01-31');
  const deadline = typeof f.deadline === 'number' ? f.deadline : parseDeadline(String(f.deadline), earliestStart, 'deadline');
  const req: RecommendRequest = { job, earliestStart, deadline };
  if (f.startStepS !== undefined) req.startStepS = parseDuration(f.startStepS as string, 'startStepS');
  if (f.billingGranularityS !== undefined) req.billingGranularityS = parseDuration(f.billingGranularityS as string, 'billingGranularityS');
  if (f.maxStarts !== undefined) req.maxStarts = parseWholeNumber(String(f.maxStarts), 'maxStarts', 1);
  if (f.maxDevices !== undefined) req.maxDevices = parseWholeNumber(String(f.maxDevices), 'maxDevices', 1);
  if (f.budgetUsd !== undefined) req.budgetUsd = num(f.budgetUsd, 'budgetUsd')!;
  if (f.carbonCapG !== undefined) req.carbonCapG = typeof f.carbonCapG === 'number' ? f.carbonCapG : parseMass(String(f.carbonCapG), 'carbonCapG');
  if (f.pricing !== undefined) req.pricing = (f.pricing === true ? 'spot' : String(f.pricing)) as Pricing;
  if (f.objective !== undefined) req.objective = String(f.objective) as RecommendObjective;
  const lists = { allowRegions: list(f.allowRegions), denyRegions: list(f.denyRegions), preferRegions: list(f.preferRegions), devices: list(f.devices) };
  for (const [k, v] of Object.entries(lists)) if (v?.length) (req as unknown as Record<string, string[]>)[k] = v;
  return req;
}

export function offerFormat(v: string | undefined): OfferFormat {
  if (v === 'skypilot' || v === 'gpuhunt') return v;
  throw invalidInput('format', v === undefined ? 'is required' : `unknown format "${v}"`, 'use skypilot or gpuhunt');
}

export const maxAgeFromField = (v: string | undefined): number | undefined => (v === undefined ? undefined : parseDuration(v, 'maxAgeS'));
export const timeFromField = (v: string | undefined, field: string): number | undefined => (v === undefined ? undefined : parseTime(v, field));
export { str as fieldString };
