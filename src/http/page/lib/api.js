// @ts-check
/**
 * The page's side of the HTTP API (docs/openapi.json): same-origin requests that carry the
 * session cookie. A 401 means the session is gone: the page shows the login screen.
 */

/**
 * @typedef {{ kind: string, name: string, person: string | null, personName: string | null, scopes: string[], language: 'da' | 'en', firm: { name: string, timezone: string }, people: { id: string, name: string }[] }} Me
 * @typedef {'pending' | 'dialing' | 'done' | 'failed' | 'cancelled'} CallbackStatus
 * @typedef {{ id: string, caller: string, callerName?: string, called: string, route: string, status: CallbackStatus, createdAt: string, dueAt: string, lastAttemptAt: string, attempts: number, overdue: boolean, closedAt?: string, closedBy?: string, dialingBy?: string, uncallable?: string }} Callback
 * @typedef {{ at: string, event: string, from: string | null, to: string, by: string, detail?: string }} HistoryEntry
 * @typedef {{ mode: 'normal' | 'away' | 'closed', until: string | null, setBy: string, setAt: string | null }} Status
 * @typedef {{ person: string, phone: string, status: 'ringing' | 'screening' }} LiveLeg
 * @typedef {{ callId: string, caller: string | null, callerName: string, called: string, route: string, startedAt: string, state: string, ringing: LiveLeg[], answeredBy: { person: string, phone: string, at: string } | null }} LiveCall
 * @typedef {{ role: 'active' | 'standby', calls: LiveCall[] }} LiveCalls
 * @typedef {{ count: number, medianSeconds: number | null, worstSeconds: number | null }} Duration
 * @typedef {{ start: string, calls: number, answered: number, missed: number }} HourFigures
 * @typedef {{
 *   period: { from: string, to: string, timezone: string },
 *   calls: { total: number, answered: number, missed: number, blocked: number, byPerson: { person: string, calls: number }[], timeToAnswer: Duration },
 *   callbacks: { created: number, kept: number, late: number, failed: number, cancelled: number, open: number, overdue: number, keptShare: number | null, timeToCallBack: Duration, longestOpenWaitSeconds: number | null },
 *   perHour: HourFigures[],
 * }} Report
 */

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * @param {string} path
 * @param {{ method?: 'GET' | 'POST' | 'PUT', body?: unknown }} [options]
 * @returns {Promise<unknown>}
 */
async function request(path, options = {}) {
  /** @type {RequestInit} */
  const init = { method: options.method ?? 'GET', credentials: 'same-origin', headers: { accept: 'application/json' }, cache: 'no-store' };
  if (options.body !== undefined) {
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
    init.body = JSON.stringify(options.body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'NM_OFFLINE', err instanceof Error ? err.message : String(err));
  }
  const text = await response.text();
  /** @type {unknown} */
  let body = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  if (!response.ok) {
    const coded = /** @type {{ code?: unknown, message?: unknown } | null} */ (body);
    throw new ApiError(response.status, typeof coded?.code === 'string' ? coded.code : 'NM_HTTP', typeof coded?.message === 'string' ? coded.message : `HTTP ${response.status}`);
  }
  return body;
}

const id = (/** @type {string} */ value) => encodeURIComponent(value);

export const api = {
  me: async () => /** @type {Me} */ (await request('/api/me')),
  callbacks: async () => /** @type {Callback[]} */ (await request('/api/callbacks')),
  callback: async (/** @type {string} */ callbackId) => /** @type {Callback} */ (await request(`/api/callbacks/${id(callbackId)}`)),
  history: async (/** @type {string} */ callbackId) => /** @type {HistoryEntry[]} */ (await request(`/api/callbacks/${id(callbackId)}/history`)),
  /** Rings the session's person, then the customer. */
  ringMe: async (/** @type {string} */ callbackId) => request(`/api/callbacks/${id(callbackId)}/dial`, { method: 'POST', body: {} }),
  done: async (/** @type {string} */ callbackId, /** @type {string} */ note) =>
    /** @type {Callback} */ (await request(`/api/callbacks/${id(callbackId)}/done`, { method: 'POST', body: note === '' ? {} : { note } })),
  notReached: async (/** @type {string} */ callbackId, /** @type {string} */ note) =>
    /** @type {Callback} */ (await request(`/api/callbacks/${id(callbackId)}/not-reached`, { method: 'POST', body: note === '' ? {} : { note } })),
  status: async () => /** @type {Status} */ (await request('/api/status')),
  setStatus: async (/** @type {Status['mode']} */ mode, /** @type {string | null} */ forDuration) =>
    /** @type {Status} */ (await request('/api/status', { method: 'PUT', body: forDuration === null ? { mode } : { mode, for: forDuration } })),
  live: async () => /** @type {LiveCalls} */ (await request('/api/calls/live')),
  report: async (/** @type {string} */ from, /** @type {string} */ to) => /** @type {Report} */ (await request(`/api/report?from=${id(from)}&to=${id(to)}`)),
};
