import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';
import { isAbortError, ModelStreamError } from '../errors.js';

/**
 * The server-sent events of a response body, read one network chunk at a time: `read()` gives every event
 * that chunk completed (often several, sometimes none), so the caller handles them in one synchronous pass
 * instead of one promise per event. A body that breaks off (socket closed) throws a retryable
 * ModelStreamError; an abort from the caller's signal is rethrown as is.
 */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  // In stream mode a multi-byte character split across chunks is kept until its last byte arrives.
  private readonly decoder = new TextDecoder();
  private readonly parser: EventSourceParser;
  private batch: EventSourceMessage[] = [];
  private ended = false;

  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly vendor: string,
  ) {
    this.reader = body.getReader();
    this.parser = createParser({ onEvent: (message) => this.batch.push(message) });
  }

  /** The events the next chunk of the body completed, or undefined once the body has ended. */
  async read(): Promise<EventSourceMessage[] | undefined> {
    if (this.ended) return undefined;
    const chunk = await this.reader.read().catch((error: unknown) => {
      if (isAbortError(error)) throw error;
      throw new ModelStreamError(`${this.vendor} stream broke off: ${error instanceof Error ? error.message : String(error)}`, {
        retryable: true,
        cause: error,
      });
    });
    if (chunk.done) {
      this.ended = true;
      const tail = this.decoder.decode();
      if (tail) this.parser.feed(tail);
      this.parser.reset({ consume: true }); // a final event without its blank line
    } else {
      this.parser.feed(this.decoder.decode(chunk.value, { stream: true }));
    }
    const events = this.batch;
    this.batch = [];
    return events;
  }

  /** Releases the connection (the consumer stopped early, the stream failed or it is over). */
  cancel(): void {
    this.reader.cancel().catch(() => undefined);
  }
}

export function parseJsonEvent(message: EventSourceMessage, vendor: string): unknown {
  try {
    return JSON.parse(message.data) as unknown;
  } catch (cause) {
    throw new ModelStreamError(`${vendor} sent an event that is not JSON: ${message.data.slice(0, 200)}`, { retryable: false, cause });
  }
}
