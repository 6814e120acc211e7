/**
 * The stores, told on the way through: every change this instance makes to a callback or to the
 * status switch is published to the hub once it is stored (app/app.ts wraps the stores it is given,
 * so every path that writes — calls, the AstDB drain, the spool replay, dial-backs, the API — is
 * seen). Reads pass straight through.
 */
import type { CallbackStore } from '../callbacks/store.js';
import type { StatusStore } from '../callbacks/status.js';
import type { EventHub } from './hub.js';

export function storeWithEvents(store: CallbackStore, hub: EventHub): CallbackStore {
  return {
    ...store,
    async recordMissedCall(call) {
      const recorded = await store.recordMissedCall(call);
      if (!recorded.duplicate) hub.publish({ type: 'callback', id: recorded.id, change: recorded.created ? 'created' : 'called-again', status: null });
      return recorded;
    },
    async close(id, status, by, now, detail, reachedVia) {
      const closed = await store.close(id, status, by, now, detail, reachedVia);
      hub.publish({ type: 'callback', id, change: 'closed', status: closed.status });
      return closed;
    },
    async closeByCaller(number, status, by, now, detail, options) {
      const closed = await store.closeByCaller(number, status, by, now, detail, options);
      if (closed) hub.publish({ type: 'callback', id: closed.id, change: 'closed', status: closed.status });
      return closed;
    },
    async startDial(id, by, now, lease) {
      const dialing = await store.startDial(id, by, now, lease);
      hub.publish({ type: 'callback', id, change: 'dial-started', status: dialing.status });
      return dialing;
    },
    async finishDial(id, result) {
      const after = await store.finishDial(id, result);
      hub.publish({ type: 'callback', id, change: after.status === 'pending' ? 'dial-ended' : 'closed', status: after.status });
      return after;
    },
    async abandonDial(id, dialId, abandoned) {
      const after = await store.abandonDial(id, dialId, abandoned);
      hub.publish({ type: 'callback', id, change: 'dial-ended', status: after.status });
      return after;
    },
    async abandonExpiredDial(id, abandoned) {
      const after = await store.abandonExpiredDial(id, abandoned);
      if (after) hub.publish({ type: 'callback', id, change: 'dial-ended', status: after.status });
      return after;
    },
    async appendHistory(id, note) {
      await store.appendHistory(id, note);
      hub.publish({ type: 'callback', id, change: 'note', status: null });
    },
  };
}

export function statusWithEvents(status: StatusStore, hub: EventHub): StatusStore {
  return {
    ...status,
    async set(mode, options) {
      const set = await status.set(mode, options);
      hub.publish({ type: 'status', mode: set.mode, until: set.until });
      return set;
    },
  };
}
