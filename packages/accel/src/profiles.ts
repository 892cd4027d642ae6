import { invalidInput, nowS, parsePower, parsePositive, parseTime, parseWholeNumber, toIso, type Store } from '@verdant/core';
import { PRECISIONS, deviceById, loadDevices, type Precision } from './devices.js';
import { MODEL_DEFAULTS, bestProfile, gemmProfile, scalingFactor } from './model.js';
import { parseCount, type RawFields } from './request.js';
import { saveProfile, storedProfiles, type Profile, type ProfileMeta } from './store.js';

/**
 * Profiles entered by hand: a published figure (an MLPerf Training result, the ML.ENERGY leaderboard, a vendor's
 * or a paper's measured throughput) or a figure measured elsewhere on the user's own hardware, each with its
 * source. The model ranks them: measured > published > the spec-sheet default (model.ts `bestProfile`).
 */
export interface ProfileEntry {
  /** Device id or alias. */
  device: string;
  /** Default 'published'. */
  provenance?: 'published' | 'measured';
  /** Default bf16. */
  precision?: Precision;
  /** Achieved dense FLOP/s per device; or give tokensPerS with paramsTotal (and paramsActive for MoE). */
  achievedFlops?: number;
  /** Training throughput of the whole run, tokens/s, on `devices` devices. */
  tokensPerS?: number;
  paramsTotal?: number;
  paramsActive?: number;
  /** How many devices `tokensPerS` was on; default 1. */
  devices?: number;
  /** Average power per device under that load, W. */
  powerW?: number;
  /** Throughput kept per doubling of the device count, when the source gives one. */
  scalingPerDoubling?: number;
  /** Where the figure comes from: the result's URL (required). */
  source: string;
  /** What was run, e.g. "Llama 2 70B LoRA, MLPerf Training v4.1, 8 × H100". */
  workload?: string;
  /** When the figure was retrieved from the source, epoch seconds; default now. */
  retrievedAt?: number;
}

/** Checks an entry and turns it into the profile to store; errors name the field and the fix. */
export function profileFromEntry(e: ProfileEntry, now = nowS(), devices = loadDevices()): Omit<Profile, 'id' | 'recordedAt'> {
  const provenance = e.provenance ?? 'published';
  if (provenance !== 'published' && provenance !== 'measured') throw invalidInput('provenance', `must be published or measured, got "${String(provenance)}"`, 'published for MLPerf, ML.ENERGY or a paper; measured for a figure taken on your own hardware');
  const precision = e.precision ?? 'bf16';
  if (!PRECISIONS.includes(precision)) throw invalidInput('precision', `unknown precision "${precision}"`, `use one of ${PRECISIONS.join(', ')}`);
  const source = (e.source ?? '').trim();
  if (!source) throw invalidInput('source', 'is required', 'give where the figure comes from: the URL of the MLPerf result, the ML.ENERGY leaderboard entry or the paper');
  const device = deviceById(e.device, 'device', devices);
  const pos = (v: number | undefined, field: string): void => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw invalidInput(field, `must be a positive number, got ${v}`);
  };
  for (const [f, v] of [['achievedFlops', e.achievedFlops], ['tokensPerS', e.tokensPerS], ['paramsTotal', e.paramsTotal], ['paramsActive', e.paramsActive], ['powerW', e.powerW]] as const) pos(v, f);
  if (e.devices !== undefined && !(Number.isInteger(e.devices) && e.devices >= 1)) throw invalidInput('devices', `must be a whole number ≥ 1, got ${e.devices}`);
  if (e.scalingPerDoubling !== undefined && !(e.scalingPerDoubling > 0 && e.scalingPerDoubling <= 1)) throw invalidInput('scalingPerDoubling', `must be in (0, 1], got ${e.scalingPerDoubling}`);
  if (e.achievedFlops !== undefined && e.tokensPerS !== undefined) throw invalidInput('achievedFlops', 'give either the achieved TFLOPS or a throughput in tokens/s, not both', 'keep the figure the source prints');
  let achieved: number;
  const meta: ProfileMeta = {};
  if (e.achievedFlops !== undefined) achieved = e.achievedFlops;
  else if (e.tokensPerS !== undefined) {
    if (e.paramsTotal === undefined && e.paramsActive === undefined) throw invalidInput('paramsTotal', 'is required with a throughput in tokens/s', 'give the model size the throughput was measured on, e.g. 70B (and its active parameters for MoE)');
    const active = e.paramsActive ?? e.paramsTotal!;
    if (e.paramsTotal !== undefined && active > e.paramsTotal) throw invalidInput('paramsActive', `${active} is more than the total ${e.paramsTotal}`, 'active parameters are a subset of the total');
    const n = e.devices ?? 1;
    // Training FLOPs per token: 6 × active parameters (the model's own formula). The run's rate on n devices
    // already lost the scaling at n: divide it out (the model applies the scaling at the planned count).
    const kept = scalingFactor(e.scalingPerDoubling ?? MODEL_DEFAULTS.scalingPerDoubling, n);
    achieved = (6 * active * e.tokensPerS) / n / kept;
    Object.assign(meta, { tokensPerS: e.tokensPerS, paramsActive: active, devices: n });
    if (n > 1) meta.scalingFactor = kept;
  } else throw invalidInput('achievedFlops', 'is required', 'give the achieved dense TFLOPS per device, or a throughput in tokens/s with the model size and device count');
  const peak = device.densePeakFlops[precision];
  if (peak !== null && achieved > peak) {
    throw invalidInput(
      e.achievedFlops !== undefined ? 'achievedFlops' : 'tokensPerS',
      `${(achieved / 1e12).toFixed(1)} TFLOPS per device is above ${device.id}'s dense ${precision} peak of ${(peak / 1e12).toFixed(1)}`,
      'give the figure per device (not per node) and dense (a vendor "with sparsity" figure is twice the dense one); for tokens/s give the device count it ran on',
    );
  }
  if (e.powerW !== undefined && device.tdpW !== null && e.powerW > device.tdpW * 1.1) {
    throw invalidInput('powerW', `${e.powerW} W is above ${device.id}'s TDP of ${device.tdpW} W`, 'give the average power of one device, not of a node or a system');
  }
  const retrievedAt = e.retrievedAt ?? now;
  if (!Number.isFinite(retrievedAt)) throw invalidInput('retrievedAt', `must be a time, got ${retrievedAt}`, 'give the date the figure was read from its source, e.g. 2024-11-13');
  if (retrievedAt > now + 86400) throw invalidInput('retrievedAt', `must not be in the future (${retrievedAt < 8.64e12 ? toIso(retrievedAt) : retrievedAt})`, 'give the date the figure was read from its source');
  // Deep-learning throughput figures start with the GPU era: before 2000 is a unit or typing mistake (0 is 1970).
  if (retrievedAt < 946684800) throw invalidInput('retrievedAt', `${retrievedAt} (${retrievedAt > -8.64e12 ? toIso(retrievedAt) : 'long ago'}) is before 2000`, 'give the date the figure was read from its source as a date (2024-11-13) or epoch seconds');
  meta.retrievedAt = retrievedAt;
  if (e.workload?.trim()) meta.workload = e.workload.trim();
  return { deviceId: device.id, precision, provenance, achievedFlops: achieved, powerW: e.powerW ?? null, scalingEfficiency: e.scalingPerDoubling ?? null, source, host: null, meta };
}

/** An entry from raw fields (a CLI flag's string, a JSON body's string or number): the library's names. */
export function profileEntryFromFields(f: RawFields): ProfileEntry {
  const str = (k: string): string | undefined => (f[k] === undefined ? undefined : String(f[k]));
  const num = (k: string): number | undefined => (f[k] === undefined ? undefined : typeof f[k] === 'number' ? (f[k] as number) : parsePositive(String(f[k]), k));
  if (f.device === undefined) throw invalidInput('device', 'is required', 'give a device id or alias, e.g. h100 (verdant accel devices lists them)');
  const e: ProfileEntry = { device: String(f.device), source: str('source') ?? '' };
  if (f.provenance !== undefined) e.provenance = String(f.provenance).toLowerCase() as ProfileEntry['provenance'];
  if (f.precision !== undefined) e.precision = String(f.precision).toLowerCase() as Precision;
  if (f.achievedTflops !== undefined) e.achievedFlops = num('achievedTflops')! * 1e12;
  if (f.achievedFlops !== undefined) e.achievedFlops = num('achievedFlops');
  if (f.tokensPerS !== undefined) e.tokensPerS = num('tokensPerS');
  if (f.paramsTotal !== undefined) e.paramsTotal = parseCount(f.paramsTotal as string, 'paramsTotal');
  if (f.paramsActive !== undefined) e.paramsActive = parseCount(f.paramsActive as string, 'paramsActive');
  if (f.devices !== undefined) e.devices = typeof f.devices === 'number' ? f.devices : parseWholeNumber(String(f.devices), 'devices', 1);
  if (f.powerW !== undefined) e.powerW = typeof f.powerW === 'number' ? f.powerW : parsePower(String(f.powerW), 'powerW');
  if (f.scalingPerDoubling !== undefined) e.scalingPerDoubling = num('scalingPerDoubling');
  if (f.workload !== undefined) e.workload = String(f.workload);
  if (f.retrievedAt !== undefined) e.retrievedAt = typeof f.retrievedAt === 'number' ? f.retrievedAt : parseTime(String(f.retrievedAt), 'retrievedAt');
  return e;
}

/** Checks and stores an entered profile. */
export async function addProfile(store: Store, entry: ProfileEntry, now = nowS()): Promise<Profile> {
  return saveProfile(store, profileFromEntry(entry, now));
}

/** The stored profiles, newest first, of one device (id or alias) or all; each marked whether it is the one the model uses. */
export async function listProfiles(store: Store, q: { device?: string } = {}): Promise<Array<Profile & { inUse: boolean }>> {
  const device = q.device ? deviceById(q.device, 'device').id : undefined;
  const all = await storedProfiles(store);
  const mine = device ? all.filter((p) => p.deviceId === device) : all;
  // The ones the model uses per device and precision, as the model picks them: the training profile (measured
  // first, newest first) and the newest GEMM profile (an achievable peak and a power).
  const used = new Set<string>();
  for (const p of all) {
    const best = bestProfile(all, p.deviceId, p.precision);
    if (best) used.add(best.id);
    const gemm = gemmProfile(all, p.deviceId, p.precision);
    if (gemm) used.add(gemm.id);
  }
  return mine.map((p) => ({ ...p, inUse: used.has(p.id) }));
}
