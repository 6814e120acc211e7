/**
 * Every Redis key nevermiss uses is built here. All of them share one hash tag, `{prefix}`,
 * so that a multi-key Lua script touches a single Redis Cluster slot.
 */
export interface Keys {
  /** Hash with one callback's fields. */
  callback(id: string): string;
  /** Prefix of callback hashes, for scripts that reach a callback through an index. */
  readonly callbackPrefix: string;
  /** Sorted set of pending callback ids, scored by due time (ms). */
  readonly pending: string;
  /** String: the id of the pending callback for a caller's number. */
  pendingByCaller(number: string): string;
  readonly pendingByCallerPrefix: string;
  /** Hash with one finished call's log entry. */
  call(callId: string): string;
  /** Sorted set of call ids, scored by the time the call ended (ms). */
  readonly calls: string;
  /** Hash: a message left by a caller (who can't be called back), with its recording's name. */
  message(callId: string): string;
  /** Sorted set of call ids with a message, scored by the time it was left (ms). */
  readonly messages: string;
  /** Hash: the owner's status switch (mode, until, setBy, setAt). */
  readonly status: string;
}

export function createKeys(prefix: string): Keys {
  const tag = `{${prefix}}`;
  const callbackPrefix = `${tag}:callback:`;
  const pendingByCallerPrefix = `${tag}:pending-by-caller:`;
  return {
    callback: (id) => callbackPrefix + id,
    callbackPrefix,
    pending: `${tag}:callbacks:pending`,
    pendingByCaller: (number) => pendingByCallerPrefix + number,
    pendingByCallerPrefix,
    call: (callId) => `${tag}:call:${callId}`,
    calls: `${tag}:calls`,
    message: (callId) => `${tag}:message:${callId}`,
    messages: `${tag}:messages`,
    status: `${tag}:status`,
  };
}
