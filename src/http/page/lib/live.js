// @ts-check
/**
 * The live connection: GET /api/events as an EventSource. The server sends a hint per change
 * (docs/decisions/0018); the page fetches again what it shows. The browser reconnects by itself
 * when a stream ends (the server ends each one after a while); when it gives up (the server
 * refused the stream: the session is gone, or too many streams), this tries again with a growing
 * pause, after asking whether the session still holds.
 */

/**
 * @typedef {{ type: 'hello' } | { type: 'callback', id: string, change: string, status: string | null } | { type: 'status', mode: string, until: string | null } | { type: 'call', callId: string, change: string }} LiveEvent
 * @typedef {{ onEvent: (event: LiveEvent) => void, onState: (live: boolean) => void, stillLoggedIn: () => Promise<boolean> }} LiveHandlers
 */

const MAX_PAUSE_MS = 30_000;

/** @param {LiveHandlers} handlers @returns {{ close(): void }} */
export function connectLive(handlers) {
  /** @type {EventSource | null} */
  let source = null;
  let pause = 1_000;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retry;
  let closed = false;

  const open = () => {
    if (closed) return;
    const current = new EventSource('/api/events');
    source = current;
    current.addEventListener('hello', () => {
      pause = 1_000;
      handlers.onState(true);
      handlers.onEvent({ type: 'hello' });
    });
    for (const type of ['callback', 'status', 'call']) {
      current.addEventListener(type, (event) => {
        try {
          /** @type {unknown} */
          const parsed = JSON.parse(/** @type {MessageEvent<string>} */ (event).data);
          handlers.onEvent(/** @type {LiveEvent} */ (parsed));
        } catch {
          // A hint that can't be read is a hint all the same: fetch everything.
          handlers.onEvent({ type: 'hello' });
        }
      });
    }
    current.addEventListener('error', () => {
      handlers.onState(false);
      if (current.readyState !== EventSource.CLOSED || closed) return;
      // The browser gave up on this stream: find out why before trying again.
      void handlers.stillLoggedIn().then((yes) => {
        if (!yes || closed) return;
        retry = setTimeout(open, pause);
        pause = Math.min(pause * 2, MAX_PAUSE_MS);
      });
    });
  };
  open();
  return {
    close() {
      closed = true;
      clearTimeout(retry);
      source?.close();
    },
  };
}
