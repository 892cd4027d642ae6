// Server-Sent Events read with fetch() and a stream reader, so the bearer token travels in the
// Authorization header (EventSource cannot send headers, and the token never goes in a URL).
import { authHeaders, ensureAuth, waitForToken } from './api';

export interface StreamHandlers {
  /** One event: its name ('message' when unnamed), data and id. */
  onEvent: (event: string, data: string, id: string | undefined) => void;
  /** The stream cannot be had (404, 501...): the page falls back to polling. */
  onUnavailable?: (status: number) => void;
  /** Connected (true) or lost, reconnecting (false). */
  onState?: (open: boolean) => void;
}

/** Opens an SSE stream; reconnects with Last-Event-ID; returns a function that closes it. */
export function openStream(path: string, handlers: StreamHandlers): () => void {
  const ctl = new AbortController();
  let lastId: string | undefined;
  let retryMs = 2000;

  const run = async (): Promise<void> => {
    await ensureAuth();
    while (!ctl.signal.aborted) {
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream', ...authHeaders() };
        if (lastId !== undefined) headers['last-event-id'] = lastId;
        const res = await fetch(path, { headers, signal: ctl.signal, cache: 'no-store' });
        if (res.status === 401) {
          await res.body?.cancel();
          await waitForToken();
          continue;
        }
        if (!res.ok || !res.body) {
          await res.body?.cancel();
          handlers.onUnavailable?.(res.status);
          return;
        }
        handlers.onState?.(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        let event = '';
        let data: string[] = [];
        let id: string | undefined;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let nl: number;
          while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + (buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1));
            if (line === '') {
              if (id !== undefined) lastId = id;
              if (data.length) handlers.onEvent(event || 'message', data.join('\n'), lastId);
              event = '';
              data = [];
              id = undefined;
              continue;
            }
            if (line.startsWith(':')) continue; // comment (heartbeat)
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event = val;
            else if (field === 'data') data.push(val);
            else if (field === 'id') id = val;
            else if (field === 'retry' && /^\d+$/.test(val)) retryMs = Number(val);
          }
        }
      } catch (e) {
        if (ctl.signal.aborted) return;
        void e;
      }
      if (ctl.signal.aborted) return;
      handlers.onState?.(false);
      await new Promise((r) => setTimeout(r, retryMs));
    }
  };
  void run();
  return () => ctl.abort();
}
