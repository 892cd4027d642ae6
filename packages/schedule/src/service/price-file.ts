import { readFile } from 'node:fs/promises';
import { invalidInput, parseTime } from '@verdant/core';
import type { PricePoint } from '../planner/types.js';

/**
 * Reads a price series: CSV with a header `time,price_per_kwh` (currency per kWh; time ISO 8601 or epoch
 * seconds), evenly spaced. Each price holds until the next row; the last for the same step.
 */
export async function loadPriceFile(file: string, field = 'prices'): Promise<PricePoint[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw invalidInput(field, `${file}: cannot read the price file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, 'check the path');
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const header = (lines.shift() ?? '').split(',').map((c) => c.trim().toLowerCase());
  const ti = header.indexOf('time');
  const pi = header.indexOf('price_per_kwh');
  if (ti < 0 || pi < 0) throw invalidInput(field, `${file}: the header must name the columns time and price_per_kwh, got "${header.join(',')}"`, 'start the file with "time,price_per_kwh"');
  const rows = lines.map((line, i) => {
    const cells = line.split(',');
    const perKwh = Number(cells[pi]);
    if (!Number.isFinite(perKwh)) throw invalidInput(field, `${file} line ${i + 2}: price "${cells[pi] ?? ''}" is not a number`);
    return { t: parseTime(cells[ti] ?? '', `${field} line ${i + 2}`), perKwh };
  });
  if (rows.length < 2) throw invalidInput(field, `${file}: needs at least two rows to know the step`);
  const step = rows[1]!.t - rows[0]!.t;
  if (!(step > 0)) throw invalidInput(field, `${file}: times must increase`);
  return rows.map((r) => ({ t: r.t, resolutionS: step, perKwh: r.perKwh }));
}
