/**
 * What changed in this instance, told to whoever watches: the phone page's event stream
 * (GET /api/events). A change is a hint, not the data: a watcher fetches what it shows again
 * from the API, so a hint missed (a reconnect, another instance's change) costs a refresh, never
 * a wrong screen (docs/decisions/0018).
 *
 * In memory and synchronous. A listener that throws is logged and kept; it can't stop the others
 * or the code that published.
 */
import type { Logger } from 'winston';

import type { CallbackStatus } from '../callbacks/lifecycle.js';
import type { StatusMode } from '../callbacks/status.js';

/** What happened to a callback, in the words of its history. */
export type CallbackChange = 'created' | 'called-again' | 'dial-started' | 'dial-ended' | 'closed' | 'note';

export type CallChange = 'started' | 'changed' | 'ended';

export type LiveEvent =
  | { readonly type: 'callback'; readonly id: string; readonly change: CallbackChange; readonly status: CallbackStatus | null }
  | { readonly type: 'status'; readonly mode: StatusMode; readonly until: number | null }
  | { readonly type: 'call'; readonly callId: string; readonly change: CallChange };

export type LiveListener = (event: LiveEvent) => void;

export interface EventHub {
  publish(event: LiveEvent): void;
  /** Returns the function that removes the listener again (idempotent). */
  subscribe(listener: LiveListener): () => void;
  /** How many listeners there are now. */
  readonly size: number;
}

export function createEventHub(logger: Logger): EventHub {
  const listeners = new Set<LiveListener>();
  return {
    publish(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (err) {
          logger.warn('a listener of live events failed', { event: event.type, error: err instanceof Error ? err.message : String(err) });
        }
      }
    },
    subscribe(listener) {
      // A wrapper per subscription: the same function subscribed twice is two subscriptions.
      const own: LiveListener = (event) => listener(event);
      listeners.add(own);
      return () => {
        listeners.delete(own);
      };
    },
    get size() {
      return listeners.size;
    },
  };
}
