/** Parses a call's complete argument text. Empty text means "no arguments" (both vendors send it). */
export function parseToolArgs(raw: string): { args: unknown; argsError?: string } {
  if (raw.trim() === '') return { args: {} };
  try {
    return { args: JSON.parse(raw) as unknown };
  } catch (error) {
    return { args: undefined, argsError: error instanceof Error ? error.message : String(error) };
  }
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Follows a JSON text as its fragments stream in and tells whether it is, so far, one closed object: a first
 * non-whitespace `{`, its matching `}` (brackets counted outside strings), then only JSON whitespace. Each
 * character is looked at once, so the test costs nothing like a JSON.parse per fragment. It is a filter:
 * every valid JSON object passes it, and a text that passes may still be invalid (JSON.parse decides).
 */
export class JsonObjectScanner {
  private state: 'start' | 'open' | 'closed' | 'never' = 'start';
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** Adds the next fragment; true when the text so far is one closed object followed only by whitespace. */
  push(fragment: string): boolean {
    for (let i = 0; i < fragment.length; i++) {
      const c = fragment.charCodeAt(i);
      if (this.state === 'open') {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === BACKSLASH) this.escaped = true;
          else if (c === QUOTE) this.inString = false;
        } else if (c === QUOTE) this.inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
        else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --this.depth === 0) this.state = c === CLOSE_BRACE ? 'closed' : 'never';
        continue;
      }
      if (c === SPACE || c === TAB || c === LF || c === CR) continue;
      if (this.state === 'start' && c === OPEN_BRACE) {
        this.state = 'open';
        this.depth = 1;
        continue;
      }
      // Not an object, or something after its closing brace: it can never become one.
      this.state = 'never';
      return false;
    }
    return this.state === 'closed';
  }
}
