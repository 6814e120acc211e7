// @ts-check
/**
 * What every screen reads (the page's state) and may do (actions). app.js owns both; a screen
 * is a function of them that returns its elements.
 */

/**
 * @typedef {import('./api.js').Me} Me
 * @typedef {import('./api.js').Callback} Callback
 * @typedef {import('./api.js').HistoryEntry} HistoryEntry
 * @typedef {import('./api.js').Status} Status
 * @typedef {import('./api.js').LiveCalls} LiveCalls
 * @typedef {import('./api.js').Report} Report
 * @typedef {'today' | 'week' | 'month'} Period
 *
 * @typedef {{
 *   me: Me,
 *   callbacks: Callback[] | null,
 *   status: Status | null,
 *   live: LiveCalls | null,
 *   period: Period,
 *   report: Report | null,
 *   detail: { id: string, callback: Callback | null, history: HistoryEntry[] | null, missing: boolean } | null,
 *   busy: Set<string>,
 * }} State
 *
 * @typedef {{
 *   go: (path: string) => void,
 *   ringMe: (callback: Callback) => Promise<void>,
 *   calledFromPhone: (callback: Callback) => void,
 *   done: (callback: Callback) => Promise<void>,
 *   setStatus: (mode: Status['mode'], forDuration: string | null) => Promise<void>,
 *   showPeriod: (period: Period) => void,
 * }} Actions
 *
 * @typedef {{ state: State, actions: Actions, now: () => number }} Context
 */

/** A person's name from the config, else the text as it is (a token's name, "dialer:..."). @param {Context} ctx @param {string} who */
export function personName(ctx, who) {
  const person = ctx.state.me.people.find((p) => p.id === who);
  return person ? person.name : who;
}

/**
 * Who made a change, as the history and dialingBy write it: a person or token, or for a call
 * back "who asked: whose phones" ("owner: owner" is Anna herself; "desk-app: owner" is the desk
 * app ringing Anna's phones).
 * @param {Context} ctx @param {string} by
 */
export function actorName(ctx, by) {
  const names = [...new Set(by.split(': ').map((part) => personName(ctx, part)))];
  return names.join(' → ');
}

/** Whose phones a call back rings, from dialingBy ("who asked: whose phones"). @param {Context} ctx @param {string} dialingBy */
export function ringingName(ctx, dialingBy) {
  return personName(ctx, dialingBy.split(': ').at(-1) ?? dialingBy);
}

