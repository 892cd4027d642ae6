import type { Logger } from '@verdant/core';
import type { ToolContext } from '../types.js';

/**
 * The ToolContext one attempt receives. `signal` and `logger` are made on first read, because most tools
 * touch at most one of them and a pino child logger costs more than a fast tool. Own getters (not a class's
 * prototype ones), so spreading or destructuring the context still sees them.
 */
export function lazyToolContext(callId: string, tool: string, logger: Logger, signal: () => AbortSignal): ToolContext {
  let child: Logger | undefined;
  return {
    callId,
    get signal() {
      return signal();
    },
    get logger() {
      return (child ??= logger.child({ tool, callId }));
    },
  };
}
