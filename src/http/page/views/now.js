// @ts-check
/**
 * Now: the calls ringing at this moment and whom they ring (GET /api/calls/live), and the
 * callbacks being dialled. Every call's running time ticks with the countdowns (data-since).
 */
import { personName, ringingName } from '../lib/context.js';
import { h } from '../lib/dom.js';
import { countdown, phoneNumber, t } from '../lib/i18n.js';

/**
 * @typedef {import('../lib/context.js').Context} Context
 * @typedef {import('../lib/api.js').LiveCall} LiveCall
 */

/** @param {Context} ctx @param {LiveCall} call */
function liveCard(ctx, call) {
  const now = ctx.now();
  const since = Date.parse(call.startedAt);
  const state = /** @type {Parameters<typeof t>[0]} */ (`state.${call.state}`);
  const caller = call.caller === null ? t('callbacks.withheld') : call.callerName !== '' ? call.callerName : phoneNumber(call.caller);
  return h('article', { class: `card live ${call.state}`, 'data-call': call.callId },
    h('div', { class: 'card-head' },
      h('span', { class: 'caller' }, caller),
      h('span', { class: 'badge' }, t(state)),
    ),
    h('p', { class: 'meta' },
      call.callerName !== '' && call.caller !== null ? `${phoneNumber(call.caller)} · ` : '',
      `${call.route} · `,
      h('span', { 'data-since': since }, t('now.since', { time: countdown(now - since) })),
    ),
    call.ringing.length > 0
      ? h('div', { class: 'ringing' },
        h('span', { class: 'label' }, t('now.ringing')),
        h('ul', {}, call.ringing.map((leg) => {
          const status = /** @type {Parameters<typeof t>[0]} */ (`leg.${leg.status}`);
          return h('li', { class: `leg ${leg.status}` }, h('span', { class: 'bell', 'aria-hidden': 'true' }), `${personName(ctx, leg.person)} · ${leg.phone} · ${t(status)}`);
        })),
      )
      : null,
    call.answeredBy ? h('p', { class: 'answered' }, t('now.answeredBy', { who: `${personName(ctx, call.answeredBy.person)} (${call.answeredBy.phone})` })) : null,
  );
}

/** @param {Context} ctx */
export function nowScreen(ctx) {
  const live = ctx.state.live;
  if (live === null) return h('p', { class: 'loading' }, '…');
  const dialing = (ctx.state.callbacks ?? []).filter((callback) => callback.status === 'dialing');
  return h('section', { class: 'now' },
    live.role === 'standby' ? h('p', { class: 'note' }, t('now.standby')) : null,
    live.calls.length === 0 && dialing.length === 0 ? h('p', { class: 'empty' }, t('now.empty')) : null,
    live.calls.map((call) => liveCard(ctx, call)),
    dialing.map((callback) =>
      h('article', { class: 'card live dialing', 'data-callback': callback.id },
        h('div', { class: 'card-head' }, h('span', { class: 'caller' }, t('now.callingBack', { who: callback.callerName ?? phoneNumber(callback.caller) }))),
        h('p', { class: 'meta' }, t('callbacks.dialing', { who: ringingName(ctx, callback.dialingBy ?? '') })),
      )),
  );
}
