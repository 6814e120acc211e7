/**
 * From the validated file to the Config the service uses: names resolved to phones, relative
 * paths made absolute, durations renamed to say their unit, numbers in E.164, opening hours per
 * weekday, and every default that depends on another key (a route's country, a phone's
 * screening) filled in.
 */
import { dirname, resolve } from 'node:path';

import type { HolidayRule, OpeningHours, TimeRange, Weekday } from '../schedule/types.js';
import { daysOf } from './opening-hours.js';
import { callerPatternOf, toE164 } from './phone-numbers.js';
import { lookUpRingEntry, phonebookOfPeople } from './references.js';
import type { Phonebook } from './references.js';
import type { ConfigFile, RouteFile } from './schema.js';
import type {
  CallbackSettings,
  CallerPattern,
  CallerRule,
  Config,
  Firm,
  HuntStep,
  NotifyTargets,
  Person,
  PhoneRef,
  Route,
} from './types.js';

/** Expects a file that passed the schema and every relation check. */
export function buildConfig(file: ConfigFile, absolutePath: string): Config {
  const phonebook = phonebookOfPeople(file.people);
  const firm = buildFirm(file.firm);
  const { listen, publicUrl, tokens, sessionSecret, allowedHosts, trustProxy } = file.http;
  return {
    file: absolutePath,
    ari: {
      url: file.ari.url.replace(/\/+$/, ''),
      username: file.ari.username,
      password: file.ari.password,
      app: file.ari.app,
      requestTimeoutMs: file.ari.requestTimeout,
      drainAstdb: file.ari.drainAstdb,
    },
    redis: { url: file.redis.url, keyPrefix: file.redis.keyPrefix, commandTimeoutMs: file.redis.commandTimeout },
    failover: { leaseMs: file.failover.lease, ariLossGraceMs: file.failover.ariLossGrace },
    http: {
      host: listen.host,
      port: listen.port,
      ...(publicUrl === undefined ? {} : { publicUrl: publicUrl.replace(/\/+$/, '') }),
      tokens: tokens.map(({ name, secret, scope, person }) => ({ name, secret, scope, person: person ?? null })),
      sessionSecret: sessionSecret ?? null,
      allowedHosts: allowedHosts.map((host) => host.toLowerCase()),
      trustProxy,
    },
    // Relative to the config file, so the service finds its prompts whatever folder it starts in.
    prompts: {
      source: file.prompts.source,
      directory: resolve(dirname(absolutePath), file.prompts.directory),
      recordCode: file.prompts.recordCode,
    },
    data: { directory: resolve(dirname(absolutePath), file.data.directory) },
    log: file.log,
    firm,
    status: file.status,
    people: mapEntries(
      file.people,
      (id, person): Person => ({ id, name: person.name ?? id, phones: person.phones, notify: buildNotifyTargets(person.notify, firm) }),
    ),
    routes: mapEntries(file.routes, (id, route) => buildRoute(id, route, firm, phonebook)),
    defaultRoute: file.defaultRoute,
    smtp: file.smtp ?? null,
    sms: file.sms === undefined ? null : { ...file.sms, body: file.sms.body ?? null },
    callbacks: buildCallbacks(file),
    callable: {
      countries: file.callable.countries ?? [firm.country],
      types: file.callable.types,
      textBack: file.callable.textBack,
    },
    metrics: file.metrics === undefined ? null : { token: file.metrics.token, listen: file.metrics.listen ?? null },
    retention: { keepMs: file.retention.keep },
  };
}

function buildNotifyTargets(notify: ConfigFile['people'][string]['notify'], firm: Firm): NotifyTargets {
  const { email, webhook, ntfy, sms } = notify ?? {};
  return {
    email: email ?? null,
    webhook: webhook ?? null,
    ntfy: ntfy === undefined ? null : { url: ntfy.url, token: ntfy.token ?? null },
    sms: sms === undefined ? null : checked(toE164(sms, firm.country), `SMS number "${sms}"`),
  };
}

function buildCallbacks(file: ConfigFile): CallbackSettings {
  const { notify, remindAt, escalateTo, ringOnEscalation, attempts, retryPause, minTalk, dial, dialLease, jobConcurrency } = file.callbacks;
  return {
    // Without a list, everyone who said how to reach them wants to hear about new callbacks.
    notify: notify ?? Object.entries(file.people).flatMap(([id, person]) => (person.notify === undefined ? [] : [id])),
    remindAtShare: remindAt,
    escalateTo,
    ringOnEscalation,
    attempts,
    retryPauseMs: retryPause,
    minTalkMs: minTalk,
    dial: dial ?? null,
    dialLeaseMs: dialLease,
    jobConcurrency,
  };
}

function buildFirm(firm: ConfigFile['firm']): Firm {
  const number = firm.number === undefined ? null : checked(toE164(firm.number, firm.country), `firm number "${firm.number}"`);
  return { name: firm.name, number, country: firm.country, timezone: firm.timezone };
}

function buildRoute(id: string, route: RouteFile, firm: Firm, phonebook: Phonebook): Route {
  const country = route.country ?? firm.country;
  const timezone = route.timezone ?? firm.timezone;
  const huntOf = (steps: RouteFile['hunt']): HuntStep[] => buildHunt(steps, phonebook);
  return {
    id,
    numbers: route.numbers,
    language: route.language,
    country,
    timezone,
    hours: buildOpeningHours(route, timezone),
    hunt: huntOf(route.hunt),
    outOfHours: { hunt: route.outOfHours.hunt === undefined ? null : huntOf(route.outOfHours.hunt) },
    textBack: route.textBack === undefined ? null : { windowMs: route.textBack.window },
    promise: { deadlineMs: route.promise.deadline, afterOpeningMs: route.promise.afterOpening ?? route.promise.deadline },
    callers: route.callers.map(
      (rule): CallerRule => ({
        match: rule.match.map((text) => callerPattern(text, country)),
        treat: rule.treat,
        hunt: rule.hunt === undefined ? null : huntOf(rule.hunt),
      }),
    ),
  };
}

function buildHunt(steps: RouteFile['hunt'], phonebook: Phonebook): HuntStep[] {
  return steps.map(
    (step): HuntStep => ({
      ring: step.ring.flatMap((entry) => phonesRungBy(entry, phonebook)),
      timeoutMs: step.timeout,
      delayMs: step.delay ?? null,
    }),
  );
}

function phonesRungBy(entry: string, phonebook: Phonebook): PhoneRef[] {
  const found = lookUpRingEntry(entry, phonebook);
  // checkReferences has reported any entry that names no phone, so this is a bug, not bad input.
  if ('problem' in found) throw new Error(`Ring entry "${entry}" reached buildConfig unchecked: ${found.problem}`);
  return found.phones;
}

function callerPattern(text: string, country: string): CallerPattern {
  return checked(callerPatternOf(text, country), `caller pattern "${text}" in ${country}`);
}

/** null: always open. */
function buildOpeningHours(route: RouteFile, timezone: string): OpeningHours | null {
  if (route.hours === undefined) return null;
  return {
    timezone,
    weekly: weeklyHours(route.hours),
    holidays: holidayRuleOf(route.holidays),
    closedDates: route.closedDays ?? [],
    specialDates: route.specialHours ?? {},
  };
}

/** Every weekday, [] for those not listed; the relation checks have made sure no day is listed twice. */
function weeklyHours(hours: NonNullable<RouteFile['hours']>): Record<Weekday, readonly TimeRange[]> {
  const weekly: Record<Weekday, readonly TimeRange[]> = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
  for (const [days, ranges] of Object.entries(hours)) {
    for (const day of daysOf(days)) weekly[day] = ranges;
  }
  return weekly;
}

function holidayRuleOf(holidays: RouteFile['holidays']): HolidayRule | null {
  if (holidays === undefined || holidays === false) return null;
  if (typeof holidays === 'string') return { country: holidays };
  return holidays.region === undefined ? { country: holidays.country } : { country: holidays.country, region: holidays.region };
}

/** The checks ran first, so a value they passed that does not convert is a bug, not bad input. */
function checked<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`The ${what} reached buildConfig unchecked`);
  return value;
}

function mapEntries<T, U>(record: Readonly<Record<string, T>>, map: (key: string, value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(key, value)]));
}
