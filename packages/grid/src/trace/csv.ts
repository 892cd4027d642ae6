/** One physical line of a CSV file, split into cells; `line` is 1-based as editors show it. */
export interface CsvRow {
  line: number;
  cells: string[];
}

/**
 * Splits CSV text into rows, one per physical line (RFC 4180 quoting within a line: "a, b" and ""
 * escapes). Quoted fields spanning lines are not supported: trace files never need them and keeping
 * rows on their own lines keeps every error message's line number exact. Skips blank lines, a UTF-8
 * byte-order mark, and, when `comments` is set, lines starting with '#'.
 */
export function parseCsv(text: string, opts: { comments?: boolean } = {}): { rows: CsvRow[]; unterminatedQuoteLine?: number } {
  const rows: CsvRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '' || (opts.comments && raw.trimStart().startsWith('#'))) continue;
    const cells = splitLine(raw);
    if (cells === undefined) return { rows, unterminatedQuoteLine: i + 1 };
    rows.push({ line: i + 1, cells });
  }
  return { rows };
}

function splitLine(raw: string): string[] | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (quoted) {
      if (ch === '"' && raw[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  if (quoted) return undefined;
  cells.push(cell.trim());
  return cells;
}
