// @ts-check
/**
 * The numbers of today, this week or this month, from GET /api/report (src/figures): calls,
 * who answered, missed, callbacks kept within the promise, median and worst time to call back,
 * and calls per hour of the day as an SVG bar chart (answered below, missed on top).
 */
import { personName } from '../lib/context.js';
import { h, svg } from '../lib/dom.js';
import { duration, percent, t } from '../lib/i18n.js';

/**
 * @typedef {import('../lib/context.js').Context} Context
 * @typedef {import('../lib/context.js').Period} Period
 * @typedef {import('../lib/api.js').Report} Report
 */

/** The local date (YYYY-MM-DD) in `zone` at `ms`. @param {number} ms @param {string} zone */
function localDate(ms, zone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

/**
 * The days of a period in the firm's zone: today; this week from Monday; this month from the 1st.
 * @param {Period} period @param {number} now @param {string} zone @returns {{ from: string, to: string }}
 */
export function periodDays(period, now, zone) {
  const to = localDate(now, zone);
  if (period === 'today') return { from: to, to };
  if (period === 'month') return { from: `${to.slice(0, 8)}01`, to };
  // Days since Monday, counted on the calendar date (no clock involved: DST can't shift it).
  const [year, month, day] = to.split('-').map(Number);
  const date = new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1));
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  date.setUTCDate(date.getUTCDate() - sinceMonday);
  return { from: date.toISOString().slice(0, 10), to };
}

/** Calls per local hour of the day (0-23), summed over the period's days. @param {Report} report */
function byHourOfDay(report) {
  const hours = Array.from({ length: 24 }, () => ({ answered: 0, missed: 0 }));
  for (const hour of report.perHour) {
    const bucket = hours[Number(hour.start.slice(11, 13))];
    if (!bucket) continue;
    bucket.answered += hour.answered;
    bucket.missed += hour.missed;
  }
  return hours;
}

/** @param {number} x @param {number} y @param {string} text */
function axisLabel(x, y, text) {
  const label = svg('text', { x, y, class: 'axis' });
  label.textContent = text;
  return label;
}

/** @param {Report} report */
function chart(report) {
  const hours = byHourOfDay(report);
  const most = Math.max(1, ...hours.map((hour) => hour.answered + hour.missed));
  const width = 24 * 14;
  const height = 120;
  const scale = (/** @type {number} */ n) => (n / most) * (height - 16);
  const bars = hours.flatMap((hour, i) => {
    const x = i * 14 + 2;
    const answered = scale(hour.answered);
    const missed = scale(hour.missed);
    return [
      svg('rect', { x, y: height - 14 - answered, width: 10, height: answered, class: 'bar-answered' }),
      svg('rect', { x, y: height - 14 - answered - missed, width: 10, height: missed, class: 'bar-missed' }),
      ...(i % 6 === 0 ? [axisLabel(x, height - 2, String(i).padStart(2, '0'))] : []),
    ];
  });
  const total = hours.reduce((sum, hour) => sum + hour.answered + hour.missed, 0);
  return h('figure', { class: 'chart' },
    h('figcaption', {}, t('numbers.perHour')),
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `${t('numbers.perHour')}: ${total}` }, ...bars),
    h('p', { class: 'legend' },
      h('span', { class: 'key answered' }), t('numbers.legendAnswered'), ' ',
      h('span', { class: 'key missed' }), t('numbers.legendMissed')),
  );
}

/** @param {string} label @param {string | number} value @param {string} [kind] */
function tile(label, value, kind = '') {
  return h('div', { class: `tile ${kind}` }, h('span', { class: 'value' }, String(value)), h('span', { class: 'label' }, label));
}

/** @param {Context} ctx */
export function numbersScreen(ctx) {
  /** @type {[Period, Parameters<typeof t>[0]][]} */
  const periods = [['today', 'numbers.today'], ['week', 'numbers.week'], ['month', 'numbers.month']];
  const tabs = h('div', { class: 'segmented', role: 'tablist' },
    periods.map(([period, label]) =>
      h('button', { type: 'button', role: 'tab', 'aria-selected': ctx.state.period === period ? 'true' : 'false', 'data-period': period, onclick: () => ctx.actions.showPeriod(period) }, t(label))));
  const report = ctx.state.report;
  if (report === null) return h('section', { class: 'numbers' }, tabs, h('p', { class: 'loading' }, '…'));
  const { calls, callbacks } = report;
  const decided = callbacks.kept + callbacks.late + callbacks.failed + callbacks.overdue;
  const back = callbacks.timeToCallBack;
  return h('section', { class: 'numbers' },
    tabs,
    h('div', { class: 'tiles' },
      tile(t('numbers.calls'), calls.total),
      tile(t('numbers.answered'), calls.answered, 'good'),
      tile(t('numbers.missed'), calls.missed, calls.missed > 0 ? 'bad' : ''),
    ),
    h('h2', {}, t('numbers.answeredBy')),
    calls.byPerson.length === 0
      ? h('p', { class: 'empty' }, t('numbers.nobody'))
      : h('ul', { class: 'people' }, calls.byPerson.map((row) => h('li', {}, h('span', {}, personName(ctx, row.person)), h('span', { class: 'value' }, String(row.calls))))),
    h('h2', {}, t('numbers.kept')),
    h('div', { class: 'tiles' },
      callbacks.keptShare === null
        ? tile(t('numbers.kept'), '–')
        : tile(t('numbers.keptOf', { kept: callbacks.kept, of: decided }), percent(callbacks.keptShare), callbacks.keptShare >= 0.9 ? 'good' : 'bad'),
      tile(t('numbers.median'), back.medianSeconds === null ? '–' : duration(back.medianSeconds)),
      tile(t('numbers.worst'), back.worstSeconds === null ? '–' : duration(back.worstSeconds)),
    ),
    callbacks.longestOpenWaitSeconds === null ? null : h('p', { class: 'meta' }, `${t('numbers.waiting')}: ${duration(callbacks.longestOpenWaitSeconds)}`),
    chart(report),
  );
}
