// @ts-check
/**
 * The owner's phone page: one small app in plain JavaScript modules, served as they are in the
 * repository (docs/decisions/0018). It asks GET /api/me first: without a session it shows how to
 * log in and fetches nothing else. With one, it shows the screens (callbacks, now, status,
 * numbers), keeps them current from the event stream (GET /api/events), and acts through the
 * API as the session's person.
 */
import { ApiError, api } from './lib/api.js';
import { ask, h, replace, toast } from './lib/dom.js';
import { countdown, nextLanguage, phoneNumber, setLanguage, t, useFirmLanguage } from './lib/i18n.js';
import { connectLive } from './lib/live.js';
import { callbackScreen, callbacksScreen, deadlineText } from './views/callbacks.js';
import { loginScreen } from './views/login.js';
import { nowScreen } from './views/now.js';
import { numbersScreen, periodDays } from './views/numbers.js';
import { statusScreen } from './views/status.js';

/**
 * @typedef {import('./lib/context.js').Context} Context
 * @typedef {import('./lib/context.js').State} State
 * @typedef {import('./lib/api.js').Callback} Callback
 * @typedef {'callbacks' | 'callback' | 'now' | 'status' | 'numbers'} ScreenName
 */

const SAFETY_REFRESH_MS = 60_000;
/** A "reached them?" question survives the phone reloading the page on the way back from the dialer, this long. */
const ASK_AGAIN_WITHIN_MS = 30 * 60_000;
const ASKING = 'nevermiss-asking';

const screen = /** @type {HTMLElement} */ (document.getElementById('screen'));
const tabs = /** @type {HTMLElement} */ (document.getElementById('tabs'));
const liveMark = /** @type {HTMLElement} */ (document.getElementById('live'));
const firmName = /** @type {HTMLElement} */ (document.getElementById('firm'));
const languageButton = /** @type {HTMLButtonElement} */ (document.getElementById('lang'));

/** @type {State | null} */
let state = null;
/** @type {ScreenName} */
let current = 'callbacks';
/** @type {{ close(): void } | null} */
let live = null;

/** @returns {{ name: ScreenName, id?: string }} */
function route() {
  const path = location.pathname;
  const callback = /^\/callbacks\/([^/]+)$/.exec(path);
  if (callback?.[1]) return { name: 'callback', id: decodeURIComponent(callback[1]) };
  if (path === '/now') return { name: 'now' };
  if (path === '/status') return { name: 'status' };
  if (path === '/numbers') return { name: 'numbers' };
  return { name: 'callbacks' };
}

/** @returns {Context} */
function context() {
  if (state === null) throw new Error('not logged in');
  return { state, actions, now: () => Date.now() };
}

function draw() {
  if (state === null) return;
  const ctx = context();
  switch (current) {
    case 'callbacks':
      replace(screen, callbacksScreen(ctx));
      break;
    case 'callback':
      replace(screen, callbackScreen(ctx));
      break;
    case 'now':
      replace(screen, nowScreen(ctx));
      break;
    case 'status':
      replace(screen, statusScreen(ctx));
      break;
    case 'numbers':
      replace(screen, numbersScreen(ctx));
      break;
  }
  screen.dataset['screen'] = current;
  drawChrome();
}

/** The header and the tabs: the firm, the live mark, the language switch, the count of waiting callbacks. */
function drawChrome() {
  languageButton.textContent = t('lang.switch');
  if (state === null) {
    tabs.hidden = true;
    return;
  }
  firmName.textContent = state.me.firm.name || 'nevermiss';
  const waiting = state.callbacks?.length ?? 0;
  const late = state.callbacks?.some((callback) => callback.overdue) ?? false;
  document.title = waiting > 0 ? `(${waiting}) ${t('appTitle')}` : t('appTitle');
  /** @type {[ScreenName, string, Parameters<typeof t>[0]][]} */
  const items = [['callbacks', '/', 'nav.callbacks'], ['now', '/now', 'nav.now'], ['status', '/status', 'nav.status'], ['numbers', '/numbers', 'nav.numbers']];
  replace(tabs, items.map(([name, path, label]) =>
    h('a', {
      href: path,
      class: `tab${current === name || (name === 'callbacks' && current === 'callback') ? ' current' : ''}`,
      'data-tab': name,
      'aria-current': current === name ? 'page' : null,
      onclick: (event) => {
        event.preventDefault();
        go(path);
      },
    },
    h('span', { class: `icon icon-${name}`, 'aria-hidden': 'true' }),
    h('span', { class: 'tab-label' }, t(label)),
    name === 'callbacks' && waiting > 0 ? h('span', { class: `count${late ? ' late' : ''}` }, String(waiting)) : null)));
  tabs.hidden = false;
}

/** @param {string} path */
function go(path) {
  if (path !== location.pathname) history.pushState(null, '', path);
  show();
}

/** Shows the screen of the URL and loads what it needs. */
function show() {
  const next = route();
  current = next.name;
  if (state === null) return;
  if (next.name === 'callback' && next.id !== undefined) {
    if (state.detail?.id !== next.id) state.detail = { id: next.id, callback: null, history: null, missing: false };
    void refresh('detail');
  } else {
    state.detail = null;
  }
  if (next.name === 'now') void refresh('live');
  if (next.name === 'numbers') void refresh('report');
  if (next.name === 'status') void refresh('status');
  draw();
  screen.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

/** @typedef {'callbacks' | 'detail' | 'status' | 'live' | 'report'} Part */

/** @param {Part} part */
async function load(part) {
  if (state === null) return;
  switch (part) {
    case 'callbacks':
      state.callbacks = await api.callbacks();
      return;
    case 'detail': {
      const detail = state.detail;
      if (detail === null) return;
      try {
        const [callback, entries] = await Promise.all([api.callback(detail.id), api.history(detail.id)]);
        if (state.detail === detail) Object.assign(detail, { callback, history: entries, missing: false });
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404) throw err;
        if (state.detail === detail) Object.assign(detail, { callback: null, history: null, missing: true });
      }
      return;
    }
    case 'status':
      state.status = await api.status();
      return;
    case 'live':
      state.live = await api.live();
      return;
    case 'report': {
      const period = state.period;
      const days = periodDays(period, Date.now(), state.me.firm.timezone);
      const report = await api.report(days.from, days.to);
      if (state.period === period) state.report = report;
      return;
    }
  }
}

/** @type {Map<Part, Promise<void>>} */
const loading = new Map();
/** @type {Set<Part>} */
const again = new Set();

/**
 * Loads a part and draws the screen. Calls that come while it loads are folded into one more
 * load after it, so a burst of events costs two requests, not one per event.
 * @param {Part} part
 */
function refresh(part) {
  const running = loading.get(part);
  if (running) {
    again.add(part);
    return running;
  }
  const run = load(part)
    .then(draw, fail)
    .finally(() => {
      loading.delete(part);
      if (again.delete(part)) void refresh(part);
    });
  loading.set(part, run);
  return run;
}

/** @param {unknown} err */
function fail(err) {
  if (err instanceof ApiError && err.status === 401) {
    loggedOut(true);
    return;
  }
  if (err instanceof ApiError && err.status === 0) {
    toast(t('error.offline'), 'error');
    return;
  }
  toast(t('error.generic', { message: err instanceof Error ? err.message : String(err) }), 'error');
}

/** @param {boolean} expired */
function loggedOut(expired) {
  state = null;
  live?.close();
  live = null;
  liveMark.hidden = true;
  replace(screen, loginScreen(expired));
  screen.dataset['screen'] = 'login';
  drawChrome();
}

/** @param {import('./lib/live.js').LiveEvent} event */
function onLiveEvent(event) {
  if (state === null) return;
  switch (event.type) {
    case 'hello':
      void refresh('callbacks');
      void refresh('status');
      if (current === 'callback') void refresh('detail');
      if (current === 'now') void refresh('live');
      if (current === 'numbers') void refresh('report');
      return;
    case 'callback':
      void refresh('callbacks');
      if (state.detail?.id === event.id) void refresh('detail');
      if (current === 'numbers') void refresh('report');
      return;
    case 'status':
      void refresh('status');
      return;
    case 'call':
      if (current === 'now') void refresh('live');
      if (current === 'numbers') void refresh('report');
      return;
  }
}

/** @param {string} key @param {() => Promise<void>} work */
async function busy(key, work) {
  if (state === null || state.busy.has(key)) return;
  state.busy.add(key);
  draw();
  try {
    await work();
  } catch (err) {
    fail(err);
  } finally {
    state?.busy.delete(key);
    draw();
  }
}

/** @param {Callback} callback */
const callerOf = (callback) => callback.callerName ?? (callback.caller === '' ? t('callbacks.withheld') : phoneNumber(callback.caller));

/** @type {import('./lib/context.js').Actions} */
const actions = {
  go,
  ringMe: (callback) =>
    busy(callback.id, async () => {
      await api.ringMe(callback.id);
      toast(t('action.ringMe.started'));
      await Promise.all([refresh('callbacks'), state?.detail?.id === callback.id ? refresh('detail') : undefined]);
    }),
  calledFromPhone: (callback) => {
    // The tap dials (tel:); the question waits for the person when they come back to the page.
    sessionStorage.setItem(ASKING, JSON.stringify({ id: callback.id, who: callerOf(callback), at: Date.now() }));
    setTimeout(() => void askReached(callback.id, callerOf(callback)), 400);
  },
  done: async (callback) => {
    const answer = await ask({ title: t('done.title'), note: t('done.note'), buttons: [{ label: t('action.done'), value: 'done', kind: 'primary' }], cancel: t('action.cancel') });
    if (answer === null) return;
    await busy(callback.id, async () => {
      await api.done(callback.id, answer.note);
      toast(t('saved.done'));
      await Promise.all([refresh('callbacks'), state?.detail?.id === callback.id ? refresh('detail') : undefined]);
    });
  },
  setStatus: (mode, forDuration) =>
    busy('status', async () => {
      const set = await api.setStatus(mode, forDuration);
      if (state) state.status = set;
      toast(t('status.saved', { mode: t(/** @type {Parameters<typeof t>[0]} */ (`modes.${mode}`)) }));
    }),
  showPeriod: (period) => {
    if (state === null) return;
    state.period = period;
    state.report = null;
    draw();
    void refresh('report');
  },
};

/** "Did you reach them?" after a call from this phone: done, or an attempt, each with a note. @param {string} id @param {string} who */
async function askReached(id, who) {
  if (document.querySelector('dialog[open]')) return;
  const answer = await ask({
    title: t('reached.title', { who }),
    note: t('reached.note'),
    buttons: [{ label: t('reached.yes'), value: 'yes', kind: 'primary' }, { label: t('reached.no'), value: 'no' }],
    cancel: t('action.cancel'),
  });
  sessionStorage.removeItem(ASKING);
  if (answer === null) return;
  await busy(id, async () => {
    if (answer.value === 'yes') {
      await api.done(id, answer.note);
      toast(t('saved.done'));
    } else {
      await api.notReached(id, answer.note);
      toast(t('saved.notReached'));
    }
    await Promise.all([refresh('callbacks'), state?.detail?.id === id ? refresh('detail') : undefined]);
  });
}

/** A question left open when the page was reloaded on the way back from the dialer. */
function askAgainIfLeft() {
  const raw = sessionStorage.getItem(ASKING);
  if (raw === null) return;
  try {
    /** @type {unknown} */
    const parsed = JSON.parse(raw);
    const left = /** @type {{ id: string, who: string, at: number }} */ (parsed);
    if (Date.now() - left.at < ASK_AGAIN_WITHIN_MS) void askReached(left.id, left.who);
    else sessionStorage.removeItem(ASKING);
  } catch {
    sessionStorage.removeItem(ASKING);
  }
}

/** Once a second: the countdowns and running times, without drawing the screen again. */
function tick() {
  const now = Date.now();
  for (const element of document.querySelectorAll('[data-due]')) {
    const due = Number(element.getAttribute('data-due'));
    const id = element.closest('[data-callback]')?.getAttribute('data-callback');
    const callback = state?.callbacks?.find((cb) => cb.id === id) ?? (state?.detail?.callback?.id === id ? state?.detail?.callback : undefined);
    if (callback) element.textContent = deadlineText(callback, now);
    element.closest('.card, .callback')?.classList.toggle('overdue', due < now);
  }
  for (const element of document.querySelectorAll('[data-since]')) {
    element.textContent = t('now.since', { time: countdown(now - Number(element.getAttribute('data-since'))) });
  }
  const until = state?.status?.until;
  if (until && Date.parse(until) <= now && !loading.has('status')) void refresh('status');
}

async function start() {
  languageButton.addEventListener('click', () => {
    setLanguage(nextLanguage(), true);
    if (state === null) loggedOut(screen.querySelector('.note') !== null);
    else draw();
  });
  window.addEventListener('popstate', show);
  drawChrome();
  let me;
  try {
    me = await api.me();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) loggedOut(false);
    else fail(err);
    return;
  }
  useFirmLanguage(me.language);
  state = { me, callbacks: null, status: null, live: null, period: 'today', report: null, detail: null, busy: new Set() };
  liveMark.hidden = false;
  show();
  live = connectLive({
    onEvent: onLiveEvent,
    onState: (on) => {
      liveMark.classList.toggle('on', on);
      liveMark.textContent = on ? t('live.on') : t('live.off');
      liveMark.dataset['live'] = on ? 'on' : 'off';
    },
    stillLoggedIn: () =>
      api.me().then(
        () => true,
        (/** @type {unknown} */ err) => {
          if (err instanceof ApiError && err.status === 401) {
            loggedOut(true);
            return false;
          }
          return true;
        },
      ),
  });
  setInterval(tick, 1000);
  // Changes another instance or the command line made send no event here: look again now and then.
  setInterval(() => {
    if (document.visibilityState === 'visible' && state !== null) onLiveEvent({ type: 'hello' });
  }, SAFETY_REFRESH_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && state !== null) {
      onLiveEvent({ type: 'hello' });
      askAgainIfLeft();
    }
  });
  askAgainIfLeft();
}

void start();
