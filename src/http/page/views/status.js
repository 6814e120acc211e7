// @ts-check
/**
 * The status switch: normal, away, closed, as three big buttons, and for how long (PUT
 * /api/status with "for"; without it the status holds until it is changed).
 */
import { personName } from '../lib/context.js';
import { h } from '../lib/dom.js';
import { clock, relative, t } from '../lib/i18n.js';

/** @typedef {import('../lib/context.js').Context} Context */

/** @type {readonly ('normal' | 'away' | 'closed')[]} */
const MODES = ['normal', 'away', 'closed'];

/** How long a status holds: null until changed, else a duration the API reads ("2h"). */
const SPANS = /** @type {const} */ ([null, '1h', '2h', '4h', '8h']);

/** The chosen span survives redrawing the screen. @type {string | null} */
let span = null;

/** @param {Context} ctx */
export function statusScreen(ctx) {
  const status = ctx.state.status;
  if (status === null) return h('p', { class: 'loading' }, '…');
  const now = ctx.now();
  const zone = ctx.state.me.firm.timezone;
  const modeName = (/** @type {'normal' | 'away' | 'closed'} */ mode) => t(/** @type {Parameters<typeof t>[0]} */ (`modes.${mode}`));
  return h('section', { class: 'status' },
    h('h1', {}, t('status.now', { mode: modeName(status.mode) })),
    h('p', { class: 'meta', 'data-status': status.mode },
      status.until === null ? t('status.untilChanged') : t('status.until', { time: clock(Date.parse(status.until), zone, now) }),
      status.setAt === null ? '' : ` · ${t('status.setBy', { who: personName(ctx, status.setBy), when: relative(Date.parse(status.setAt), now) })}`,
    ),
    h('div', { class: 'modes' },
      MODES.map((mode) =>
        h('button', {
          type: 'button',
          class: `mode mode-${mode}${status.mode === mode ? ' current' : ''}`,
          'data-mode': mode,
          'aria-pressed': status.mode === mode ? 'true' : 'false',
          disabled: ctx.state.busy.has('status'),
          onclick: () => void ctx.actions.setStatus(mode, mode === 'normal' ? null : span),
        },
        h('span', { class: 'mode-name' }, modeName(mode)),
        h('span', { class: 'mode-hint' }, t(/** @type {Parameters<typeof t>[0]} */ (`modes.${mode}.hint`))))),
    ),
    h('fieldset', { class: 'spans' },
      h('legend', {}, t('status.for')),
      SPANS.map((value) =>
        h('label', { class: 'chip' },
          h('input', {
            type: 'radio',
            name: 'span',
            value: value ?? '',
            checked: span === value,
            onchange: () => {
              span = value;
            },
          }),
          h('span', {}, value === null ? t('status.for.open') : value.replace('h', ' h')))),
    ),
  );
}
