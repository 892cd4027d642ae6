import { randomBytes } from 'node:crypto';

/** Time-sortable short ids ("r_lx2k9a3f8h2q1c"): sortable by creation, unambiguous by prefix. */
export function newId(prefix: string): string {
  const t = Date.now().toString(36).padStart(9, '0');
  const r = randomBytes(5).toString('hex');
  return `${prefix}_${t}${r}`;
}
