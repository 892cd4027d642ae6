/**
 * Where a figure came from, best first: measured on the user's hardware, published by a third party
 * (MLPerf, ML.ENERGY) or the vendor's datasheet ("spec"), or an assumption Verdant makes when nothing
 * better is known ("default"). A measured profile wins over a published one, a published one over the spec.
 */
export type Provenance = 'measured' | 'published' | 'spec' | 'default' | 'input';

/** A number with its origin. */
export interface Sourced {
  value: number;
  provenance: Provenance;
  /** What it is: a datasheet URL, a profile id, "default 0.4 of peak" ... */
  source: string;
}

export const sourced = (value: number, provenance: Provenance, source: string): Sourced => ({ value, provenance, source });
