// @ts-check
/**
 * The callbacks: the list of those waiting (soonest due first, overdue ones marked) and the page
 * of one callback with its history. Each card counts down to its deadline; app.js ticks every
 * element with data-due once a second, without drawing the screen again.
 */
import { actorName, ringingName } from '../lib/context.js';
import { h } from '../lib/dom.js';
import { clock, countdown, phoneNumber, relative, t } from '../lib/i18n.js';

/**
 * @typedef {import('../lib/context.js').Context} Context
 * @typedef {import('../lib/api.js').Callback} Callback
 */

/** @param {Callback} callback */
const isOpen = (callback) => callback.status === 'pending' || callback.status === 'dialing';

/** The caller as people know them: the name their phone sent, else the number. @param {Callback} callback */
function who(callback) {
  if (callback.caller === '') return t('callbacks.withheld');
  return callback.callerName ?? phoneNumber(callback.caller);
}

/** The live deadline text: "Call back within 4:05" or "Overdue by 2:10". @param {Callback} callback @param {number} now */
export function deadlineText(callback, now) {
  const due = Date.parse(callback.dueAt);
  return due >= now ? t('callbacks.dueIn', { left: countdown(due - now) }) : t('callbacks.overdue', { late: countdown(now - due) });
}

/** @param {Callback} callback @param {number} now */
function deadline(callback, now) {
  // A number nobody is rung for (112, premium rate, another country): why, instead of a countdown.
  if (callback.uncallable !== undefined) return h('p', { class: 'uncallable' }, t('callbacks.uncallable', { why: callback.uncallable }));
  return h('p', { class: 'deadline', 'data-due': Date.parse(callback.dueAt), 'aria-live': 'off' }, deadlineText(callback, now));
}

/** The buttons of an open callback: ring me now, call from this phone, done. @param {Context} ctx @param {Callback} callback */
function actions(ctx, callback) {
  const busy = ctx.state.busy.has(callback.id);
  const dialing = callback.status === 'dialing';
  return h('div', { class: 'actions' },
    callback.uncallable !== undefined
      ? null
      : dialing
      ? h('p', { class: 'dialing', role: 'status' }, t('callbacks.dialing', { who: ringingName(ctx, callback.dialingBy ?? '') }))
      : h('button', { type: 'button', class: 'big primary', 'data-action': 'ring-me', disabled: busy, onclick: () => void ctx.actions.ringMe(callback) }, t('action.ringMe')),
    h('div', { class: 'row' },
      callback.caller === '' || callback.uncallable !== undefined
        ? null
        : h('a', { class: 'big secondary', href: `tel:${callback.caller}`, 'data-action': 'call', onclick: () => ctx.actions.calledFromPhone(callback) }, t('action.call')),
      h('button', { type: 'button', class: 'big secondary', 'data-action': 'done', disabled: busy || dialing, onclick: () => void ctx.actions.done(callback) }, t('action.done')),
    ),
  );
}

/** @param {Context} ctx @param {Callback} callback */
function card(ctx, callback) {
  const now = ctx.now();
  const zone = ctx.state.me.firm.timezone;
  const created = Date.parse(callback.createdAt);
  const last = Date.parse(callback.lastAttemptAt);
  const times = callback.attempts === 1 ? t('callbacks.once') : t('callbacks.times', { n: callback.attempts });
  return h('article', { class: `card${callback.overdue ? ' overdue' : ''}${callback.status === 'dialing' ? ' dialing' : ''}`, 'data-callback': callback.id },
    h('a', { class: 'card-head', href: `/callbacks/${encodeURIComponent(callback.id)}`, onclick: (event) => follow(ctx, event) },
      h('span', { class: 'caller' }, who(callback)),
      callback.overdue ? h('span', { class: 'badge late' }, '!') : null,
    ),
    h('p', { class: 'meta' },
      callback.callerName && callback.caller !== '' ? `${phoneNumber(callback.caller)} · ` : '',
      t('callbacks.rang', { when: clock(last, zone, now) }),
      ' · ',
      times,
      callback.attempts > 1 ? ` (${clock(created, zone, now)}–)` : '',
    ),
    deadline(callback, now),
    actions(ctx, callback),
  );
}

/** A link inside the page: the router shows it without loading the page again. @param {Context} ctx @param {Event} event */
function follow(ctx, event) {
  const link = /** @type {HTMLAnchorElement} */ (event.currentTarget);
  event.preventDefault();
  ctx.actions.go(link.pathname);
}

/** @param {Context} ctx */
export function callbacksScreen(ctx) {
  const list = ctx.state.callbacks;
  if (list === null) return h('p', { class: 'loading' }, '…');
  if (list.length === 0) return h('p', { class: 'empty' }, t('callbacks.empty'));
  return h('section', { class: 'callbacks' },
    h('h1', { class: 'count' }, t('callbacks.pending', { n: list.length })),
    list.map((callback) => card(ctx, callback)),
  );
}

/** @param {Context} ctx */
export function callbackScreen(ctx) {
  const detail = ctx.state.detail;
  const back = h('a', { class: 'back', href: '/', onclick: (event) => follow(ctx, event) }, `‹ ${t('action.back')}`);
  if (detail === null || (detail.callback === null && !detail.missing)) return h('section', {}, back, h('p', { class: 'loading' }, '…'));
  if (detail.callback === null) return h('section', {}, back, h('p', { class: 'empty' }, t('callback.notFound')));
  const callback = detail.callback;
  const now = ctx.now();
  const zone = ctx.state.me.firm.timezone;
  const at = (/** @type {string} */ iso) => `${clock(Date.parse(iso), zone, now)} (${relative(Date.parse(iso), now)})`;
  const facts = [
    [t('callback.firstCall'), at(callback.createdAt)],
    [t('callback.lastCall'), at(callback.lastAttemptAt)],
    [t('callback.calls'), String(callback.attempts)],
    [t('callback.deadline'), clock(Date.parse(callback.dueAt), zone, now)],
  ];
  const status = /** @type {Parameters<typeof t>[0]} */ (`status.${callback.status}`);
  return h('section', { class: `callback${callback.overdue ? ' overdue' : ''}`, 'data-callback': callback.id },
    back,
    h('h1', { class: 'caller' }, who(callback)),
    callback.callerName && callback.caller !== '' ? h('p', { class: 'number' }, phoneNumber(callback.caller)) : null,
    h('dl', { class: 'facts' }, facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    isOpen(callback)
      ? [deadline(callback, now), actions(ctx, callback)]
      : h('p', { class: 'closed' },
        t('callback.closedBy', { status: t(status), when: callback.closedAt ? clock(Date.parse(callback.closedAt), zone, now) : '', who: actorName(ctx, callback.closedBy ?? '') })),
    h('h2', {}, t('action.history')),
    history(ctx, detail.history),
  );
}

/**
 * Who made a change, for people: a person by name; nevermiss itself (an instance "host:pid", the
 * dialer) as nevermiss; a call's own entry ("call:<id>") needs no "by".
 * @param {Context} ctx @param {string} by
 */
function byLine(ctx, by) {
  if (by.startsWith('call:')) return null;
  const machine = by.startsWith('dialer:') || /^[^\s:]+:\d+$/.test(by);
  return h('span', { class: 'by' }, t('history.by', { who: machine ? 'nevermiss' : actorName(ctx, by) }));
}

/** @param {Context} ctx @param {import('../lib/api.js').HistoryEntry[] | null} entries */
function history(ctx, entries) {
  if (entries === null) return h('p', { class: 'loading' }, '…');
  const now = ctx.now();
  const zone = ctx.state.me.firm.timezone;
  return h('ol', { class: 'history' },
    [...entries].reverse().map((entry) => {
      const event = /** @type {Parameters<typeof t>[0]} */ (`history.${entry.event}`);
      return h('li', { 'data-event': entry.event },
        h('span', { class: 'when' }, clock(Date.parse(entry.at), zone, now)),
        h('span', { class: 'what' }, t(event)),
        byLine(ctx, entry.by),
        entry.detail ? h('span', { class: 'detail' }, entry.detail) : null,
      );
    }),
  );
}
