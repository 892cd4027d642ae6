/** A value of a Python literal: what SkyPilot's GpuInfo cells hold ("{'Gpus': [{'Name': 'A100', ...}]}"). */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/**
 * Reads a Python literal (dict, list, tuple, str, int, float, True/False/None) without evaluating anything.
 * Throws an Error with the offset on anything else, so a bad cell is reported, never run.
 */
export function parsePythonLiteral(text: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${i + 1}`);
  };
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (depth: number): PyValue => {
    if (depth > 32) fail('nested too deeply');
    ws();
    const ch = text[i];
    if (ch === undefined) return fail('unexpected end');
    if (ch === '{') return dict(depth);
    if (ch === '[' || ch === '(') return list(depth, ch === '[' ? ']' : ')');
    if (ch === "'" || ch === '"') return str();
    const word = /^(True|False|None|nan|inf)\b/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      return word[0] === 'True' ? true : word[0] === 'False' ? false : word[0] === 'None' ? null : word[0] === 'nan' ? Number.NaN : Number.POSITIVE_INFINITY;
    }
    const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return Number(num[0]);
    }
    return fail(`unexpected "${ch}"`);
  };
  const str = (): string => {
    const q = text[i]!;
    i++;
    let s = '';
    while (i < text.length && text[i] !== q) {
      if (text[i] === '\\') {
        const n = text[i + 1];
        s += n === 'n' ? '\n' : n === 't' ? '\t' : (n ?? '');
        i += 2;
      } else s += text[i++];
    }
    if (text[i] !== q) fail('unterminated string');
    i++;
    return s;
  };
  const list = (depth: number, close: string): PyValue[] => {
    i++;
    const out: PyValue[] = [];
    for (;;) {
      ws();
      if (text[i] === close) {
        i++;
        return out;
      }
      out.push(value(depth + 1));
      ws();
      if (text[i] === ',') i++;
      else if (text[i] !== close) fail(`expected "," or "${close}"`);
    }
  };
  const dict = (depth: number): { [key: string]: PyValue } => {
    i++;
    const out: { [key: string]: PyValue } = {};
    for (;;) {
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      const key = value(depth + 1);
      ws();
      if (text[i] !== ':') fail('expected ":"');
      i++;
      out[String(key)] = value(depth + 1);
      ws();
      if (text[i] === ',') i++;
      else if (text[i] !== '}') fail('expected "," or "}"');
    }
  };
  const v = value(0);
  ws();
  if (i < text.length) fail('trailing characters');
  return v;
}
