/**
 * The server's one translation from the libraries' field names (PlanRequest's `durationS`, `interruptible.minChunkS`,
 * the grid's `zone`) to the JSON body fields a client sent (`duration_s`, `interruptible.min_chunk_s`, `regions`).
 * A field the body names as the library does (`deadline`, `interruptible`, `objective.carbon`, `prices`, `signal`),
 * and any route whose body already uses the library's names (POST /api/jobs), needs no entry. The CLI has its own
 * table (packages/cli/src/options/fields.ts) for its flags.
 */
const BODY_FIELDS: Readonly<Record<string, string>> = {
  durationS: 'duration_s',
  earliestStart: 'earliest',
  powerW: 'power_w',
  energyJ: 'energy_j',
  'interruptible.minChunkS': 'interruptible.min_chunk_s',
  'interruptible.pauseOverheadS': 'interruptible.pause_overhead_s',
  zones: 'regions',
  zone: 'regions',
};

/** The body field a library error is about; an unknown name passes through (it may already be a body path). */
export function bodyField(field: string | undefined): string | undefined {
  return field !== undefined && Object.hasOwn(BODY_FIELDS, field) ? BODY_FIELDS[field] : field;
}
