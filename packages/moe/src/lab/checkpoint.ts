// A training's whole state in one file: a JSON header (step, generators, biases, metric windows) followed by the
// float32 weights and AdamW moments. Written to a temporary name and renamed, so a reader sees the old checkpoint
// or the new one, never half of one.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, VerdantError } from '@verdant/core';

export const CHECKPOINT_FILE = 'checkpoint.bin';
const MAGIC = 'VMOE1';

export interface CheckpointHeader {
  version: 1;
  fingerprint: string;
  trainingId: string;
  step: number;
  tokens: number;
  trainS: number;
  rngData: { state: number; spare: number | null };
  rngNoise: { state: number; spare: number | null };
  adamStep: number;
  /** Aux-free biases by block (null for blocks without one). */
  biases: (number[] | null)[];
  /** Load vectors of the dead-expert window, by MoE layer. */
  window: number[][][];
  /** Top-1 experts of the probe batch at the last eval, by MoE layer (null before the first eval). */
  probeTop1: (number[] | null)[];
  /** Sizes of the float32 arrays that follow, in order. */
  sizes: number[];
}

export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

export function saveCheckpoint(dir: string, header: Omit<CheckpointHeader, 'sizes'>, arrays: readonly Float32Array[]): void {
  try {
    mkdirSync(dir, { recursive: true });
    const json = Buffer.from(JSON.stringify({ ...header, sizes: arrays.map((a) => a.length) }), 'utf8');
    const pad = (4 - ((MAGIC.length + 4 + json.length) % 4)) % 4;
    const total = arrays.reduce((n, a) => n + a.length * 4, 0);
    const buf = Buffer.alloc(MAGIC.length + 4 + json.length + pad + total);
    let o = buf.write(MAGIC, 0, 'latin1');
    o = buf.writeUInt32LE(json.length + pad, o);
    json.copy(buf, o);
    buf.fill(0x20, o + json.length, o + json.length + pad); // spaces: still valid JSON when trimmed
    o += json.length + pad;
    for (const a of arrays) {
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(buf, o);
      o += a.byteLength;
    }
    const path = checkpointPath(dir);
    writeFileSync(`${path}.tmp`, buf);
    renameSync(`${path}.tmp`, path);
  } catch (e) {
    throw new VerdantError(`cannot write the checkpoint in ${dir}: ${(e as Error).message}`, {
      field: 'checkpointDir', fix: 'give a directory this user can write', exitCode: ExitCode.usage,
    });
  }
}

/** The checkpoint in `dir`, or undefined when there is none. */
export function loadCheckpoint(dir: string): { header: CheckpointHeader; arrays: Float32Array[] } | undefined {
  const path = checkpointPath(dir);
  if (!existsSync(path)) return undefined;
  const bad = (why: string) => new VerdantError(`the checkpoint ${path} is unreadable: ${why}`, {
    field: 'checkpointDir', fix: 'remove it to start afresh, or give another checkpoint directory', exitCode: ExitCode.usage,
  });
  const buf = readFileSync(path);
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw bad('not a MoE lab checkpoint');
  const len = buf.readUInt32LE(MAGIC.length);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + len)) as CheckpointHeader;
  } catch {
    throw bad('its header is not JSON');
  }
  let o = MAGIC.length + 4 + len;
  const arrays: Float32Array[] = [];
  for (const n of header.sizes) {
    if (o + n * 4 > buf.length) throw bad('it is truncated');
    const a = new Float32Array(n);
    Buffer.from(a.buffer).set(buf.subarray(o, o + n * 4));
    arrays.push(a);
    o += n * 4;
  }
  return { header, arrays };
}
