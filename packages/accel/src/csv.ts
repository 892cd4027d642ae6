import { splitCsvLines, type CsvRow } from '@verdant/grid';

/** One physical line of a CSV file split into cells; `line` is 1-based as editors show it. */
export type CsvLine = CsvRow;

/**
 * Splits CSV text into rows as the grid's trace files are split (one per physical line, RFC 4180 quoting
 * inside a line; blank lines, a byte-order mark and, with `comments`, lines starting with '#' skipped). A line
 * whose quote never closes comes back with `error` set, so the caller can report it by line and go on.
 */
export function splitCsv(text: string, opts: { comments?: boolean } = {}): Array<CsvLine & { error?: string }> {
  return splitCsvLines(text, opts).map(({ line, cells, quoteOpen }) => (quoteOpen ? { line, cells, error: 'a quoted field is not closed on this line' } : { line, cells }));
}

/** A header's columns by name (case-insensitive), so files whose column order differs read the same. */
export function columnIndex(header: readonly string[]): (name: string) => number {
  const map = new Map(header.map((h, i) => [h.trim().toLowerCase(), i]));
  return (name) => map.get(name.toLowerCase()) ?? -1;
}
