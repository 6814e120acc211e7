// @ts-check
/** What a stranger (or a phone whose session ended) sees: how to get in, and nothing else. */
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';

/** @param {boolean} expired */
export function loginScreen(expired) {
  return h('section', { class: 'login', 'data-screen': 'login' },
    h('div', { class: 'lock', 'aria-hidden': 'true' }),
    h('h1', {}, t('login.title')),
    expired ? h('p', { class: 'note' }, t('login.expired')) : null,
    h('p', {}, t('login.body')),
    h('p', { class: 'meta' }, t('login.how')),
  );
}
