/**
 * The config file as the user writes it: the single source of truth for its shape, defaults and
 * per-value rules. Checks that relate one entry to another (a hunt step naming a person, a number
 * listed by two routes) live in references.ts.
 *
 * Every object is strict, so a misspelt key is reported instead of silently ignored. Transforms
 * only convert values that already passed their checks (a duration to milliseconds), so
 * `z.toJSONSchema(ConfigFileSchema, { io: 'input' })` still describes the file faithfully.
 */
import { z } from 'zod';

import { DURATION_PATTERN, formatDuration, parseDuration } from './duration.js';
import { describeKind, expectation, expecting, expectingText } from './messages.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Limits that catch typos ("20m" for "20s") while allowing any sensible setup. */
export const DURATION_LIMITS = {
  requestTimeout: { min: 100, max: 60 * SECOND },
  ringTimeout: { min: SECOND, max: 10 * MINUTE },
  promiseDeadline: { min: MINUTE, max: 24 * HOUR },
} as const;

/**
 * Names of people, phones and routes. They start with a letter so that no name looks like a
 * number (JavaScript would reorder such keys, and the order of a person's phones matters), and
 * hold no "." because a ring entry `person.phone` splits on it.
 */
const NAME = '[A-Za-z][A-Za-z0-9_-]*';
const NAME_PATTERN = new RegExp(`^${NAME}$`);
const NAME_RULE = 'that starts with a letter and uses only letters, digits, "-" and "_"';
const RING_ENTRY_PATTERN = new RegExp(`^${NAME}(?:\\.${NAME})?$`);
/** App names and key prefixes end up in Asterisk and Redis, where these characters are safe. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;
/** TECHNOLOGY/resource, one device: ARI originates one channel per phone, so no "&" lists. */
const DIAL_STRING_PATTERN = /^[A-Za-z][A-Za-z0-9_]*\/[^\s&]+$/;
const DID_PATTERN = /^\+?[0-9]+$/;
const LISTEN_PATTERN = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/;

/** A strict object, so that unknown keys are reported; `phrase` says what belongs there. */
function settings<Shape extends z.core.$ZodLooseShape>(shape: Shape, phrase: string) {
  return z.strictObject(shape, { error: expecting(phrase) });
}

function matching(pattern: RegExp, phrase: string) {
  return z.string({ error: expecting(phrase) }).regex(pattern, { error: expecting(phrase) });
}

function nonEmpty(phrase: string) {
  return z.string({ error: expectingText(phrase) }).min(1, { error: expecting(phrase) });
}

/** Like nonEmpty, but problems never repeat the value. */
function secret(phrase: string) {
  return z.string({ error: expectingText(phrase, describeKind) }).min(1, { error: expecting(phrase, describeKind) });
}

function name(what: string) {
  return z
    .string({ error: expecting(what) })
    .regex(NAME_PATTERN, { error: expecting(`${what} ${NAME_RULE}`) });
}

/** A duration text within limits, converted to milliseconds. */
function duration(limits: { readonly min: number; readonly max: number }) {
  const inRange = `a duration between ${formatDuration(limits.min)} and ${formatDuration(limits.max)}`;
  return z
    .string({ error: expecting('a duration like "20s"') })
    .regex(DURATION_PATTERN, { error: expecting('a duration like "20s", "1m30s" or "500ms"'), abort: true })
    .refine((text) => isWithin(parseDuration(text), limits), { error: expecting(inRange) })
    .transform(parseDuration);
}

function isWithin(value: number, limits: { readonly min: number; readonly max: number }): boolean {
  return value >= limits.min && value <= limits.max;
}

function url(protocols: RegExp, phrase: string) {
  return z.url({ protocol: protocols, error: expecting(phrase), abort: true });
}

const ariUrl = url(/^https?$/, 'an http:// or https:// URL like "http://127.0.0.1:8088"').refine(
  (text) => !/\/ari\/?$/.test(new URL(text).pathname),
  { error: expecting('the base URL without "/ari" (nevermiss adds it), like "http://127.0.0.1:8088"') },
);

const publicUrl = url(/^https?$/, 'an http:// or https:// URL like "http://192.0.2.10:8080"');

const stasisAppName = matching(TOKEN_PATTERN, 'a Stasis app name of letters, digits, "-" and "_", like "nevermiss"');

const redisKeyPrefix = matching(TOKEN_PATTERN, 'a key prefix of letters, digits, "-" and "_", like "nevermiss"');

const redisUrl = url(/^rediss?$/, 'a redis:// or rediss:// URL like "redis://127.0.0.1:6379/0"');

const LISTEN_PHRASE = 'host:port like "127.0.0.1:8080"';
const listen = z
  .string({ error: expecting(LISTEN_PHRASE) })
  .regex(LISTEN_PATTERN, { error: expecting(LISTEN_PHRASE), abort: true })
  .refine((text) => isWithin(splitHostPort(text).port, { min: 1, max: 65_535 }), {
    error: expecting('host:port with a port between 1 and 65535, like "127.0.0.1:8080"'),
  })
  .transform(splitHostPort);

function splitHostPort(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  return { host: text.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(text.slice(colon + 1)) };
}

export const DialStringSchema = matching(
  DIAL_STRING_PATTERN,
  'an Asterisk dial string like "PJSIP/owner-desk" (technology/resource, one device)',
);

export const PhonesSchema = z
  .record(name('a phone name'), DialStringSchema, {
    error: expecting('phone names with dial strings, like "desk: PJSIP/owner-desk"'),
  })
  .refine((phones) => Object.keys(phones).length > 0, {
    error: expecting('at least one phone, like "desk: PJSIP/owner-desk"'),
  });

const person = settings(
  { name: nonEmpty('a display name like "Anna Owner"').optional(), phones: PhonesSchema },
  'a person with phones:',
);

const DID_PHRASE = 'a dialled number in quotes like "+4530123456"';

/**
 * Unquoted digits are rejected rather than converted: YAML has already read them as a number,
 * dropping a leading "+" or "0", so the number the user meant is lost.
 */
export const DidSchema = z
  .string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? `expected ${DID_PHRASE}, got the number ${issue.input} without quotes (YAML reads unquoted digits as a number and drops a leading "+" or "0")`
        : expectation(DID_PHRASE, issue.input),
  })
  .regex(DID_PATTERN, {
    error: expecting('a dialled number of digits with an optional leading "+", like "+4530123456"'),
  });

export const RingSchema = z
  .array(matching(RING_ENTRY_PATTERN, 'a person or person.phone, like "owner" or "owner.desk"'), {
    error: expecting('a list of people or phones, like [owner.desk, colleague]'),
  })
  .min(1, { error: expecting('at least one person or phone to ring') });

const huntStep = settings(
  { ring: RingSchema, timeout: duration(DURATION_LIMITS.ringTimeout) },
  'a hunt step with ring: and timeout:',
);

const route = settings(
  {
    numbers: z.array(DidSchema, { error: expecting('a list of dialled numbers, like ["+4530123456"], or []') }),
    language: z.enum(['en', 'da']).default('en'),
    hunt: z
      .array(huntStep, { error: expecting('a list of hunt steps, each with ring: and timeout:') })
      .min(1, { error: expecting('at least one hunt step') }),
    promise: settings(
      { deadline: duration(DURATION_LIMITS.promiseDeadline).prefault('10m') },
      'promise settings (deadline:)',
    ).prefault({}),
  },
  'a route with numbers: and hunt:',
);

export const RouteNameSchema = name('a route name');

export const PromptSourceSchema = z.enum(['sound', 'http']);

export const ConfigFileSchema = settings(
  {
    ari: settings(
      {
        url: ariUrl,
        username: nonEmpty('the ARI user name from ari.conf'),
        password: secret('the ARI password from ari.conf'),
        app: stasisAppName.default('nevermiss'),
        requestTimeout: duration(DURATION_LIMITS.requestTimeout).prefault('5s'),
      },
      'ARI connection settings (url:, username:, password:)',
    ),
    redis: settings(
      {
        url: redisUrl.default('redis://127.0.0.1:6379/0'),
        keyPrefix: redisKeyPrefix.default('nevermiss'),
      },
      'Redis settings (url:, keyPrefix:)',
    ).prefault({}),
    http: settings(
      { listen: listen.prefault('127.0.0.1:8080'), publicUrl: publicUrl.optional() },
      'HTTP settings (listen:, publicUrl:)',
    ).prefault({}),
    prompts: settings(
      { source: PromptSourceSchema, directory: nonEmpty('a folder path').default('prompts/build') },
      'prompt settings (source:, directory:)',
    ),
    log: settings(
      {
        level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
        format: z.enum(['auto', 'json', 'text']).default('auto'),
      },
      'log settings (level:, format:)',
    ).prefault({}),
    people: z.record(name('a person name'), person, { error: expecting('people, each with phones:') }),
    routes: z.record(RouteNameSchema, route, { error: expecting('routes, each with numbers: and hunt:') }),
    defaultRoute: RouteNameSchema,
  },
  'the nevermiss settings: ari:, prompts:, people:, routes: and defaultRoute:',
);

/** The file after validation and defaults: durations in milliseconds, listen split into host and port. */
export type ConfigFile = z.output<typeof ConfigFileSchema>;
