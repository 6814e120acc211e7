// @ts-check
/**
 * The page's words in English, Danish and German, and how times and numbers are written. The
 * language is the one the server put in <html lang> (the firm's: that of the default route), unless
 * this phone chose another with the switch (kept in localStorage); a language the page has no words
 * for (one added with only its prompts) shows English.
 */

/** @typedef {'en' | 'da' | 'de'} Language */

const en = {
  appTitle: 'Callbacks',
  'nav.callbacks': 'Callbacks',
  'nav.now': 'Now',
  'nav.status': 'Status',
  'nav.numbers': 'Numbers',
  'login.title': 'Log in with a link',
  'login.body': 'This page shows your firm\'s missed calls and callbacks. To see them, open a login link on this phone.',
  'login.how': 'Ask the person who runs nevermiss for a login link (they make one with "nevermiss login-link YOUR-NAME"), or tap the link in a callback notification.',
  'login.expired': 'Your session has ended. Open a new login link to continue.',
  'live.on': 'Live',
  'live.off': 'Offline – reconnecting…',
  'callbacks.empty': 'No one is waiting for a call back.',
  'callbacks.pending': '{n} waiting',
  'callbacks.rang': 'Rang {when}',
  'callbacks.times': '{n} times',
  'callbacks.once': 'once',
  'callbacks.dueIn': 'Call back within {left}',
  'callbacks.overdue': 'Overdue by {late}',
  'callbacks.dialing': '{who}\'s phone is ringing…',
  'callbacks.withheld': 'Withheld number',
  'callbacks.uncallable': "Can't be called back: {why}",
  'action.ringMe': 'Ring me now',
  'action.ringMe.hint': 'Your phone rings; press 1 and we dial the customer.',
  'action.ringMe.started': 'Your phone rings now. Answer and press 1.',
  'action.call': 'Call from my phone',
  'action.done': 'Done',
  'action.history': 'History',
  'action.back': 'Back',
  'action.cancel': 'Cancel',
  'action.save': 'Save',
  'reached.title': 'Did you reach {who}?',
  'reached.yes': 'Yes, reached',
  'reached.no': 'No answer',
  'reached.note': 'Note (optional)',
  'done.title': 'Mark as done',
  'done.note': 'How did you reach them? (optional)',
  'saved.done': 'Marked as done.',
  'saved.notReached': 'Attempt recorded. You will be reminded again.',
  'callback.title': 'Callback',
  'callback.notFound': 'This callback does not exist (any more).',
  'callback.closed': 'Closed: {status}',
  'callback.closedBy': '{status} {when} by {who}',
  'callback.firstCall': 'First call',
  'callback.lastCall': 'Last call',
  'callback.calls': 'Calls',
  'callback.deadline': 'Promised by',
  'callback.route': 'Line',
  'status.pending': 'waiting',
  'status.dialing': 'ringing',
  'status.done': 'done',
  'status.failed': 'not reached',
  'status.cancelled': 'cancelled',
  'history.created': 'Missed call',
  'history.called-again': 'Called again',
  'history.notified': 'Notified',
  'history.reminded': 'Reminder sent',
  'history.escalated': 'Escalated',
  'history.not-reached': 'Called, not reached',
  'history.dial-started': 'Ring me now',
  'history.attempt-failed': 'Call back not reached',
  'history.dial-abandoned': 'Call back did not start',
  'history.done': 'Done',
  'history.failed': 'Given up',
  'history.cancelled': 'Cancelled',
  'history.by': 'by {who}',
  'now.empty': 'No calls right now.',
  'now.ringing': 'Ringing',
  'now.answeredBy': 'Answered by {who}',
  'now.since': 'for {time}',
  'now.standby': 'This server is on standby; the calls run on the other one.',
  'now.callingBack': 'Calling back {who}',
  'state.hunting': 'ringing',
  'state.bridged': 'talking',
  'state.recording': 'taking the callback',
  'state.promising': 'hearing the promise',
  'state.message': 'leaving a message',
  'state.announcing': 'hearing a message',
  'state.ended': 'ended',
  'leg.ringing': 'ringing',
  'leg.screening': 'deciding (press 1)',
  'modes.normal': 'Normal',
  'modes.normal.hint': 'Calls ring everyone as planned',
  'modes.away': 'Away',
  'modes.away.hint': 'Your phones are skipped; colleagues take the calls',
  'modes.closed': 'Closed',
  'modes.closed.hint': 'Callers hear we call back when we open',
  'status.now': 'Now: {mode}',
  'status.until': 'until {time}',
  'status.untilChanged': 'until changed',
  'status.setBy': 'set by {who} {when}',
  'status.for': 'For how long?',
  'status.for.open': 'Until I change it',
  'status.saved': 'Status set to {mode}.',
  'numbers.today': 'Today',
  'numbers.week': 'This week',
  'numbers.month': 'This month',
  'numbers.calls': 'Calls',
  'numbers.answered': 'Answered',
  'numbers.missed': 'Missed',
  'numbers.answeredBy': 'Answered by',
  'numbers.nobody': 'No answered calls yet.',
  'numbers.kept': 'Called back in time',
  'numbers.keptOf': '{kept} of {of}',
  'numbers.noneDue': 'No callbacks due yet',
  'numbers.median': 'Median time to call back',
  'numbers.worst': 'Longest',
  'numbers.waiting': 'Still waiting longest',
  'numbers.perHour': 'Calls per hour',
  'numbers.legendAnswered': 'answered',
  'numbers.legendMissed': 'missed',
  'error.generic': 'Something went wrong: {message}',
  'error.offline': 'No connection to the server. Try again.',
  'lang.switch': 'Dansk',
  'you': 'you',
};

/** @type {typeof en} */
const da = {
  appTitle: 'Ring tilbage',
  'nav.callbacks': 'Ring tilbage',
  'nav.now': 'Nu',
  'nav.status': 'Status',
  'nav.numbers': 'Tal',
  'login.title': 'Log ind med et link',
  'login.body': 'Her ser du firmaets ubesvarede opkald og hvem der skal ringes tilbage til. Åbn et login-link på denne telefon for at se dem.',
  'login.how': 'Bed den, der driver nevermiss, om et login-link (det laves med "nevermiss login-link DIT-NAVN"), eller tryk på linket i en besked om et opkald.',
  'login.expired': 'Du er blevet logget ud. Åbn et nyt login-link for at fortsætte.',
  'live.on': 'Live',
  'live.off': 'Offline – forbinder igen…',
  'callbacks.empty': 'Ingen venter på at blive ringet op.',
  'callbacks.pending': '{n} venter',
  'callbacks.rang': 'Ringede {when}',
  'callbacks.times': '{n} gange',
  'callbacks.once': 'én gang',
  'callbacks.dueIn': 'Ring tilbage inden {left}',
  'callbacks.overdue': 'Overskredet med {late}',
  'callbacks.dialing': 'Det ringer hos {who}…',
  'callbacks.withheld': 'Skjult nummer',
  'callbacks.uncallable': 'Kan ikke ringes op: {why}',
  'action.ringMe': 'Ring mig op nu',
  'action.ringMe.hint': 'Din telefon ringer; tryk 1, så ringer vi til kunden.',
  'action.ringMe.started': 'Din telefon ringer nu. Tag den og tryk 1.',
  'action.call': 'Ring selv op',
  'action.done': 'Klaret',
  'action.history': 'Historik',
  'action.back': 'Tilbage',
  'action.cancel': 'Annullér',
  'action.save': 'Gem',
  'reached.title': 'Fik du fat i {who}?',
  'reached.yes': 'Ja, fik fat',
  'reached.no': 'Intet svar',
  'reached.note': 'Note (valgfri)',
  'done.title': 'Markér som klaret',
  'done.note': 'Hvordan fik du fat i dem? (valgfri)',
  'saved.done': 'Markeret som klaret.',
  'saved.notReached': 'Forsøget er noteret. Du bliver mindet om det igen.',
  'callback.title': 'Ring tilbage',
  'callback.notFound': 'Dette opkald findes ikke (længere).',
  'callback.closed': 'Lukket: {status}',
  'callback.closedBy': '{status} {when} af {who}',
  'callback.firstCall': 'Første opkald',
  'callback.lastCall': 'Seneste opkald',
  'callback.calls': 'Opkald',
  'callback.deadline': 'Lovet senest',
  'callback.route': 'Linje',
  'status.pending': 'venter',
  'status.dialing': 'ringer',
  'status.done': 'klaret',
  'status.failed': 'ikke nået',
  'status.cancelled': 'annulleret',
  'history.created': 'Ubesvaret opkald',
  'history.called-again': 'Ringede igen',
  'history.notified': 'Besked sendt',
  'history.reminded': 'Påmindelse sendt',
  'history.escalated': 'Sendt videre',
  'history.not-reached': 'Ringet op, ikke nået',
  'history.dial-started': 'Ring mig op nu',
  'history.attempt-failed': 'Opringning nåede ikke kunden',
  'history.dial-abandoned': 'Opringning startede ikke',
  'history.done': 'Klaret',
  'history.failed': 'Opgivet',
  'history.cancelled': 'Annulleret',
  'history.by': 'af {who}',
  'now.empty': 'Ingen opkald lige nu.',
  'now.ringing': 'Ringer hos',
  'now.answeredBy': 'Taget af {who}',
  'now.since': 'i {time}',
  'now.standby': 'Denne server er i reserve; opkaldene kører på den anden.',
  'now.callingBack': 'Ringer tilbage til {who}',
  'state.hunting': 'ringer',
  'state.bridged': 'i samtale',
  'state.recording': 'noterer opkaldet',
  'state.promising': 'hører løftet',
  'state.message': 'indtaler en besked',
  'state.announcing': 'hører en besked',
  'state.ended': 'slut',
  'leg.ringing': 'ringer',
  'leg.screening': 'beslutter sig (tryk 1)',
  'modes.normal': 'Normal',
  'modes.normal.hint': 'Opkald ringer hos alle som planlagt',
  'modes.away': 'Væk',
  'modes.away.hint': 'Dine telefoner springes over; kollegerne tager opkaldene',
  'modes.closed': 'Lukket',
  'modes.closed.hint': 'Kunderne hører, at vi ringer tilbage, når vi åbner',
  'status.now': 'Nu: {mode}',
  'status.until': 'indtil {time}',
  'status.untilChanged': 'indtil det ændres',
  'status.setBy': 'sat af {who} {when}',
  'status.for': 'Hvor længe?',
  'status.for.open': 'Til jeg ændrer det',
  'status.saved': 'Status er nu {mode}.',
  'numbers.today': 'I dag',
  'numbers.week': 'Denne uge',
  'numbers.month': 'Denne måned',
  'numbers.calls': 'Opkald',
  'numbers.answered': 'Besvaret',
  'numbers.missed': 'Ubesvaret',
  'numbers.answeredBy': 'Besvaret af',
  'numbers.nobody': 'Ingen besvarede opkald endnu.',
  'numbers.kept': 'Ringet tilbage i tide',
  'numbers.keptOf': '{kept} af {of}',
  'numbers.noneDue': 'Ingen tilbagekald forfaldne endnu',
  'numbers.median': 'Typisk tid før vi ringer tilbage',
  'numbers.worst': 'Længste',
  'numbers.waiting': 'Venter stadig længst',
  'numbers.perHour': 'Opkald pr. time',
  'numbers.legendAnswered': 'besvaret',
  'numbers.legendMissed': 'ubesvaret',
  'error.generic': 'Noget gik galt: {message}',
  'error.offline': 'Ingen forbindelse til serveren. Prøv igen.',
  'lang.switch': 'Deutsch',
  'you': 'dig',
};

/** @type {typeof en} */
const de = {
  appTitle: 'Rückrufe',
  'nav.callbacks': 'Rückrufe',
  'nav.now': 'Jetzt',
  'nav.status': 'Status',
  'nav.numbers': 'Zahlen',
  'login.title': 'Mit einem Link anmelden',
  'login.body': 'Diese Seite zeigt die verpassten Anrufe und Rückrufe Ihrer Firma. Öffnen Sie dazu einen Anmeldelink auf diesem Telefon.',
  'login.how': 'Bitten Sie die Person, die nevermiss betreibt, um einen Anmeldelink (sie erstellt ihn mit "nevermiss login-link IHR-NAME"), oder tippen Sie auf den Link in einer Rückruf-Benachrichtigung.',
  'login.expired': 'Ihre Sitzung ist abgelaufen. Öffnen Sie einen neuen Anmeldelink, um weiterzumachen.',
  'live.on': 'Live',
  'live.off': 'Offline – verbinde neu…',
  'callbacks.empty': 'Niemand wartet auf einen Rückruf.',
  'callbacks.pending': '{n} warten',
  'callbacks.rang': 'Angerufen {when}',
  'callbacks.times': '{n}-mal',
  'callbacks.once': 'einmal',
  'callbacks.dueIn': 'Zurückrufen innerhalb von {left}',
  'callbacks.overdue': 'Überfällig seit {late}',
  'callbacks.dialing': 'Das Telefon von {who} klingelt…',
  'callbacks.withheld': 'Unterdrückte Nummer',
  'callbacks.uncallable': 'Kein Rückruf möglich: {why}',
  'action.ringMe': 'Jetzt mich anrufen',
  'action.ringMe.hint': 'Ihr Telefon klingelt; drücken Sie 1 und wir wählen den Kunden.',
  'action.ringMe.started': 'Ihr Telefon klingelt jetzt. Nehmen Sie ab und drücken Sie 1.',
  'action.call': 'Selbst anrufen',
  'action.done': 'Erledigt',
  'action.history': 'Verlauf',
  'action.back': 'Zurück',
  'action.cancel': 'Abbrechen',
  'action.save': 'Speichern',
  'reached.title': 'Haben Sie {who} erreicht?',
  'reached.yes': 'Ja, erreicht',
  'reached.no': 'Keine Antwort',
  'reached.note': 'Notiz (optional)',
  'done.title': 'Als erledigt markieren',
  'done.note': 'Wie haben Sie sie erreicht? (optional)',
  'saved.done': 'Als erledigt markiert.',
  'saved.notReached': 'Versuch notiert. Sie werden wieder erinnert.',
  'callback.title': 'Rückruf',
  'callback.notFound': 'Diesen Rückruf gibt es nicht (mehr).',
  'callback.closed': 'Geschlossen: {status}',
  'callback.closedBy': '{status} {when} von {who}',
  'callback.firstCall': 'Erster Anruf',
  'callback.lastCall': 'Letzter Anruf',
  'callback.calls': 'Anrufe',
  'callback.deadline': 'Versprochen bis',
  'callback.route': 'Leitung',
  'status.pending': 'wartet',
  'status.dialing': 'klingelt',
  'status.done': 'erledigt',
  'status.failed': 'nicht erreicht',
  'status.cancelled': 'abgebrochen',
  'history.created': 'Verpasster Anruf',
  'history.called-again': 'Erneut angerufen',
  'history.notified': 'Benachrichtigt',
  'history.reminded': 'Erinnerung gesendet',
  'history.escalated': 'Weitergegeben',
  'history.not-reached': 'Angerufen, nicht erreicht',
  'history.dial-started': 'Jetzt mich anrufen',
  'history.attempt-failed': 'Rückruf nicht erreicht',
  'history.dial-abandoned': 'Rückruf nicht gestartet',
  'history.done': 'Erledigt',
  'history.failed': 'Aufgegeben',
  'history.cancelled': 'Abgebrochen',
  'history.by': 'von {who}',
  'now.empty': 'Gerade keine Anrufe.',
  'now.ringing': 'Klingelt bei',
  'now.answeredBy': 'Angenommen von {who}',
  'now.since': 'seit {time}',
  'now.standby': 'Dieser Server ist in Bereitschaft; die Anrufe laufen auf dem anderen.',
  'now.callingBack': 'Ruft {who} zurück',
  'state.hunting': 'klingelt',
  'state.bridged': 'im Gespräch',
  'state.recording': 'Rückruf wird notiert',
  'state.promising': 'hört das Versprechen',
  'state.message': 'hinterlässt eine Nachricht',
  'state.announcing': 'hört eine Ansage',
  'state.ended': 'beendet',
  'leg.ringing': 'klingelt',
  'leg.screening': 'entscheidet (1 drücken)',
  'modes.normal': 'Normal',
  'modes.normal.hint': 'Anrufe klingeln bei allen wie geplant',
  'modes.away': 'Abwesend',
  'modes.away.hint': 'Ihre Telefone werden übersprungen; Kollegen nehmen die Anrufe an',
  'modes.closed': 'Geschlossen',
  'modes.closed.hint': 'Anrufer hören, dass wir zurückrufen, sobald wir öffnen',
  'status.now': 'Jetzt: {mode}',
  'status.until': 'bis {time}',
  'status.untilChanged': 'bis zur Änderung',
  'status.setBy': 'gesetzt von {who} {when}',
  'status.for': 'Wie lange?',
  'status.for.open': 'Bis ich es ändere',
  'status.saved': 'Status ist jetzt {mode}.',
  'numbers.today': 'Heute',
  'numbers.week': 'Diese Woche',
  'numbers.month': 'Dieser Monat',
  'numbers.calls': 'Anrufe',
  'numbers.answered': 'Angenommen',
  'numbers.missed': 'Verpasst',
  'numbers.answeredBy': 'Angenommen von',
  'numbers.nobody': 'Noch keine angenommenen Anrufe.',
  'numbers.kept': 'Rechtzeitig zurückgerufen',
  'numbers.keptOf': '{kept} von {of}',
  'numbers.noneDue': 'Noch keine Rückrufe fällig',
  'numbers.median': 'Typische Zeit bis zum Rückruf',
  'numbers.worst': 'Längste',
  'numbers.waiting': 'Wartet am längsten',
  'numbers.perHour': 'Anrufe pro Stunde',
  'numbers.legendAnswered': 'angenommen',
  'numbers.legendMissed': 'verpasst',
  'error.generic': 'Etwas ist schiefgegangen: {message}',
  'error.offline': 'Keine Verbindung zum Server. Versuchen Sie es noch einmal.',
  'lang.switch': 'English',
  'you': 'Sie',
};

/** @typedef {keyof typeof en} Key */

const WORDS = { en, da, de };
/** The order of the switch: each language's 'lang.switch' names the next one. @type {readonly Language[]} */
const LANGUAGES = ['en', 'da', 'de'];

/** @param {unknown} code @returns {code is Language} */
function isLanguage(code) {
  return LANGUAGES.some((known) => known === code);
}
const CHOSEN = 'nevermiss-language';

/** @type {Language} */
let current = initialLanguage();

/** @returns {Language} */
function initialLanguage() {
  const chosen = safeStorage()?.getItem(CHOSEN);
  if (isLanguage(chosen)) return chosen;
  const firm = document.documentElement.lang;
  return isLanguage(firm) ? firm : 'en';
}

/** localStorage, or null where a browser refuses it (private mode). */
function safeStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** @returns {Language} */
export function language() {
  return current;
}

/** The language the switch goes to next. @returns {Language} */
export function nextLanguage() {
  return LANGUAGES[(LANGUAGES.indexOf(current) + 1) % LANGUAGES.length] ?? 'en';
}

/** The firm's language from the API, unless this phone chose one. @param {string} firm */
export function useFirmLanguage(firm) {
  const chosen = safeStorage()?.getItem(CHOSEN);
  if (!isLanguage(chosen)) setLanguage(isLanguage(firm) ? firm : 'en', false);
}

/** @param {Language} next @param {boolean} remember */
export function setLanguage(next, remember) {
  current = next;
  document.documentElement.lang = next;
  if (remember) safeStorage()?.setItem(CHOSEN, next);
}

/**
 * The text of `key` in the current language, with {name} replaced from `params`.
 * @param {Key} key
 * @param {Record<string, string | number>} [params]
 */
export function t(key, params = {}) {
  const text = WORDS[current][key];
  return text.replace(/\{(\w+)\}/g, (/** @type {string} */ whole, /** @type {string} */ name) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

const LOCALES = { en: 'en-GB', da: 'da-DK', de: 'de-DE' };
const locale = () => LOCALES[current];

/** "14:05", or "Tue 14:05" / "3 Mar 14:05" when not today, in `zone`. @param {number} ms @param {string} zone @param {number} now */
export function clock(ms, zone, now) {
  const day = (/** @type {number} */ at) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  const time = new Intl.DateTimeFormat(locale(), { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(ms);
  if (day(ms) === day(now)) return time;
  const days = Math.abs(now - ms) / 86_400_000;
  const date = new Intl.DateTimeFormat(locale(), days < 6 ? { timeZone: zone, weekday: 'short' } : { timeZone: zone, day: 'numeric', month: 'short' }).format(ms);
  return `${date} ${time}`;
}

/** "3 min ago", "in 5 min". @param {number} ms @param {number} now */
export function relative(ms, now) {
  const seconds = Math.round((ms - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto', style: 'short' });
  const abs = Math.abs(seconds);
  if (abs < 60) return format.format(seconds, 'second');
  if (abs < 3600) return format.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return format.format(Math.round(seconds / 3600), 'hour');
  return format.format(Math.round(seconds / 86_400), 'day');
}

/** A span of time as a countdown: "4:05", "1:02:03", "2 d 3 h". @param {number} ms */
export function countdown(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  if (days > 0) return current === 'da' ? `${days} d ${hours} t` : current === 'de' ? `${days} T ${hours} h` : `${days} d ${hours} h`;
  if (hours > 0) return `${hours}:${two(minutes)}:${two(seconds)}`;
  return `${minutes}:${two(seconds)}`;
}

/** A duration in words for figures: "4 min", "1 h 5 min", "45 s". @param {number} seconds */
export function duration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const h = current === 'da' ? 't' : 'h';
  return rest === 0 ? `${hours} ${h}` : `${hours} ${h} ${rest} min`;
}

/** @param {number} value */
export function percent(value) {
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 }).format(value);
}

/** A phone number as people read it: +45 20 11 11 11 for Danish numbers, else as stored. @param {string} e164 */
export function phoneNumber(e164) {
  const dk = /^\+45(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(e164);
  return dk ? `+45 ${dk[1]} ${dk[2]} ${dk[3]} ${dk[4]}` : e164;
}
