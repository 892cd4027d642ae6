import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { isAbortError, ModelStreamError } from '../errors.js';

/**
 * The server-sent events of a response body. A body that breaks off (socket closed) throws a retryable
 * ModelStreamError; an abort from the caller's signal is rethrown as is.
 */
export async function* sseMessages(body: ReadableStream<Uint8Array>, provider: string): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(message) });
  // TextDecoderStream keeps a multi-byte character that is split across chunks intact.
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (true) {
      const chunk = await reader.read().catch((error: unknown) => {
        if (isAbortError(error)) throw error;
        throw new ModelStreamError(`${provider} stream broke off: ${error instanceof Error ? error.message : String(error)}`, {
          retryable: true,
          cause: error,
        });
      });
      if (chunk.done) break;
      parser.feed(chunk.value);
      while (pending.length > 0) yield pending.shift()!;
    }
    parser.reset({ consume: true }); // a final event without its blank line
    while (pending.length > 0) yield pending.shift()!;
  } finally {
    // The consumer stopped early or the stream failed: release the connection.
    reader.cancel().catch(() => undefined);
  }
}

export function parseJsonEvent(message: EventSourceMessage, provider: string): unknown {
  try {
    return JSON.parse(message.data) as unknown;
  } catch (cause) {
    throw new ModelStreamError(`${provider} sent an event that is not JSON: ${message.data.slice(0, 200)}`, { retryable: false, cause });
  }
}
