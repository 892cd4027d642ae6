/** Parses a call's complete argument text. Empty text means "no arguments" (both providers send it). */
export function parseToolArgs(raw: string): { args: unknown; argsError?: string } {
  if (raw.trim() === '') return { args: {} };
  try {
    return { args: JSON.parse(raw) as unknown };
  } catch (error) {
    return { args: undefined, argsError: error instanceof Error ? error.message : String(error) };
  }
}
