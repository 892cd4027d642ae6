/** One physical line of a CSV file, split into cells; `line` is 1-based as editors show it. */
export interface CsvRow {
  line: number;
  cells: string[];
}

/**
 * Splits CSV text into rows, one per physical line (RFC 4180 quoting within a line: "a, b" and ""
 * escapes). Quoted fields spanning lines are not supported: trace files never need them and keeping
 * rows on their own lines keeps every error message's line number exact. Skips blank lines, a UTF-8
 * byte-order mark, and, when `comments` is set, lines starting with '#'. Stops at the first line whose
 * quoted field does not close (`unterminatedQuoteLine`).
 */
export function parseCsv(text: string, opts: { comments?: boolean } = {}): { rows: CsvRow[]; unterminatedQuoteLine?: number } {
  const rows: CsvRow[] = [];
  for (const { line, cells, quoteOpen } of splitCsvLines(text, opts)) {
    if (quoteOpen) return { rows, unterminatedQuoteLine: line };
    rows.push({ line, cells });
  }
  return { rows };
}

/**
 * Every row of CSV text, split as `parseCsv` does, without stopping at a bad line: `quoteOpen` marks a line
 * whose quoted field does not close on it (its cells are what the line holds), so a caller that reports bad
 * rows by line and goes on can.
 */
export function splitCsvLines(text: string, opts: { comments?: boolean } = {}): Array<CsvRow & { quoteOpen: boolean }> {
  const rows: Array<CsvRow & { quoteOpen: boolean }> = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '' || (opts.comments && raw.trimStart().startsWith('#'))) continue;
    rows.push({ line: i + 1, ...splitLine(raw) });
  }
  return rows;
}

function splitLine(raw: string): { cells: string[]; quoteOpen: boolean } {
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
  cells.push(cell.trim());
  return { cells, quoteOpen: quoted };
}
