/**
 * The config file as the user writes it: the single source of truth for its shape, defaults and
 * per-value rules. Checks that relate one entry to another (a hunt step naming a person, a number
 * listed by two routes, a day given twice) live in references.ts and the *-checks.ts modules.
 *
 * Every object is strict, so a misspelt key is reported instead of silently ignored. Transforms
 * only convert values that already passed their checks (a duration to milliseconds), so
 * `z.toJSONSchema(ConfigFileSchema, { io: 'input' })` still describes the file faithfully
 * (json-schema.ts). The descriptions are what an editor shows when hovering over a key.
 */
import { z } from 'zod';

import { LANGUAGE_PATTERN } from '../languages/prompt-texts.js';
import { formatDuration } from './duration.js';
import { expecting, expectingText } from './messages.js';
import { NUMBER_PREFIX_PATTERN } from './phone-numbers.js';
import { CallableSchema } from './schema-numbers.js';
import { CallbacksSchema, NotifyTargetsSchema, SmsGatewaySchema, SmtpSchema } from './schema-notify.js';
import { HttpSchema } from './schema-http.js';
import { ClosedDaysSchema, HolidaysSchema, HoursSchema, SpecialHoursSchema } from './schema-hours.js';
import {
  CountrySchema,
  DIAL_STRING_PATTERN,
  duration,
  HOUR,
  matching,
  MINUTE,
  name,
  NAME,
  nonEmpty,
  phoneNumberText,
  quotedNumber,
  secret,
  SECOND,
  settings,
  TimeZoneSchema,
  url,
} from './schema-kit.js';
import { MetricsSchema, RetentionSchema } from './schema-figures.js';
import type { Phone } from './types.js';

/** Limits that catch typos ("20m" for "20s") while allowing any sensible setup. */
export const DURATION_LIMITS = {
  requestTimeout: { min: 100, max: 60 * SECOND },
  redisCommandTimeout: { min: 100, max: 30 * SECOND },
  ringTimeout: { min: SECOND, max: 10 * MINUTE },
  stepDelay: { min: 0, max: 10 * MINUTE },
  promiseDeadline: { min: MINUTE, max: 24 * HOUR },
  textBackWindow: { min: HOUR, max: 30 * 24 * HOUR },
  lease: { min: 2 * SECOND, max: MINUTE },
  ariLossGrace: { min: SECOND, max: 10 * MINUTE },
} as const;

export const DEFAULT_COUNTRY = 'DK';
export const DEFAULT_TIME_ZONE = 'Europe/Copenhagen';
export const DEFAULT_FEATURE_CODES = { normal: '*70', away: '*71', closed: '*72' } as const;
/** The feature code of the firm's own voice (src/voice/): *7X like the status codes, so the snippet passes it on. */
export const DEFAULT_RECORD_CODE = '*79';

const RING_ENTRY_PATTERN = new RegExp(`^${NAME}(?:\\.${NAME})?$`);
/** App names and key prefixes end up in Asterisk and Redis, where these characters are safe. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;
const DID_PATTERN = /^\+?[0-9]+$/;
/** Feature codes are dialled from a phone keypad: a star and a few digits. */
export const FEATURE_CODE_PATTERN = /^\*[0-9]{1,4}$/;
/** A number, or a prefix ending in "*"; a prefix without "+" passes here to get its own message. */
const CALLER_MATCH_PATTERN = /^(?:\+?[0-9][0-9 ()./-]*|\+?[0-9]+\*)$/;

const ariUrl = url(/^https?$/, 'an http:// or https:// URL like "http://127.0.0.1:8088"').refine(
  (text) => !/\/ari\/?$/.test(new URL(text).pathname),
  { error: expecting('the base URL without "/ari" (nevermiss adds it), like "http://127.0.0.1:8088"') },
);


const stasisAppName = matching(TOKEN_PATTERN, 'a Stasis app name of letters, digits, "-" and "_", like "nevermiss"');

const redisKeyPrefix = matching(TOKEN_PATTERN, 'a key prefix of letters, digits, "-" and "_", like "nevermiss"');

const redisUrl = url(/^rediss?$/, 'a redis:// or rediss:// URL like "redis://127.0.0.1:6379/0"');

const firm = settings(
  {
    name: z
      .string({ error: expectingText('the firm\'s name, like "Hansen VVS"') })
      .default('')
      .describe('The firm\'s name. Default "".'),
    number: phoneNumberText('the firm\'s own phone number in quotes, like "+4530123456"')
      .optional()
      .describe('The firm\'s own number, shown as caller ID by phones with callerId.show: firm.'),
    country: CountrySchema.default(DEFAULT_COUNTRY).describe(
      'ISO 3166 country code, the default for reading national numbers. Default DK.',
    ),
    timezone: TimeZoneSchema.default(DEFAULT_TIME_ZONE).describe(
      'IANA time zone, the default for every route. Default Europe/Copenhagen.',
    ),
  },
  'firm settings (name:, number:, country:, timezone:)',
)
  .prefault({})
  .describe('The firm itself: its name, number, country and time zone.');

const featureCode = matching(FEATURE_CODE_PATTERN, 'a feature code in quotes: "*" and 1 to 4 digits, like "*70"');

const status = settings(
  {
    away: z
      .array(name('a person name'), { error: expecting('a list of people, like [owner]') })
      .prefault([])
      .describe('People whose phones the status "away" skips. Default [].'),
    featureCodes: settings(
      {
        normal: featureCode.default(DEFAULT_FEATURE_CODES.normal).describe('Dial to set the status "normal". Default "*70".'),
        away: featureCode.default(DEFAULT_FEATURE_CODES.away).describe('Dial to set the status "away". Default "*71".'),
        closed: featureCode.default(DEFAULT_FEATURE_CODES.closed).describe('Dial to set the status "closed". Default "*72".'),
      },
      'feature codes (normal:, away:, closed:)',
    )
      .prefault({})
      .describe('The codes that set the status; they must match dialplan/nevermiss.conf.'),
  },
  'status settings (away:, featureCodes:)',
)
  .prefault({})
  .describe('The owner\'s status switch.');

export const DialStringSchema = matching(
  DIAL_STRING_PATTERN,
  'an Asterisk dial string like "PJSIP/owner-desk" (technology/resource, one device)',
);

const PHONE_DEFAULTS = { external: false, callerId: { show: 'caller', prefix: '' }, whenBusy: 'skip' } as const;

const phoneSettings = settings(
  {
    dial: DialStringSchema.describe('Asterisk dial string, like PJSIP/owner-desk.'),
    external: z
      .boolean()
      .default(PHONE_DEFAULTS.external)
      .describe('A mobile or other line outside the PBX. Default false.'),
    screen: z
      .boolean()
      .optional()
      .describe('The callee must press 1 before the call is put through. Default: the value of external.'),
    timeout: duration(DURATION_LIMITS.ringTimeout)
      .optional()
      .describe('This phone never rings longer than this in any step (1s to 10m).'),
    callerId: settings(
      {
        show: z
          .enum(['caller', 'firm'])
          .default(PHONE_DEFAULTS.callerId.show)
          .describe('Show the caller\'s number, or the firm\'s (needs firm.number). Default caller.'),
        prefix: z
          .string({ error: expectingText('text to put before the caller\'s name, like "Kunde: "') })
          .default(PHONE_DEFAULTS.callerId.prefix)
          .describe('Put before the caller\'s name. Default "".'),
      },
      'caller ID settings (show:, prefix:)',
    )
      .prefault({})
      .describe('What the phone shows when it rings.'),
    whenBusy: z
      .enum(['skip', 'ring'])
      .default(PHONE_DEFAULTS.whenBusy)
      .describe('A phone already in a call is skipped, or rung anyway. Default skip.'),
  },
  'phone settings with dial:',
);

/** A dial string alone is short for a phone with every default. */
function phoneFrom(written: string | z.output<typeof phoneSettings>): Phone {
  const { dial, external, screen, timeout, callerId, whenBusy } =
    typeof written === 'string' ? { ...PHONE_DEFAULTS, dial: written, screen: undefined, timeout: undefined } : written;
  return { dial, external, screen: screen ?? external, timeoutMs: timeout ?? null, callerId: { ...callerId }, whenBusy };
}

export const PhoneSchema = z
  .union([DialStringSchema, phoneSettings], {
    error: expecting('an Asterisk dial string like "PJSIP/owner-desk", or phone settings with dial:'),
  })
  .transform(phoneFrom);

export const PhonesSchema = z
  .record(name('a phone name'), PhoneSchema, {
    error: expecting('phone names with dial strings, like "desk: PJSIP/owner-desk"'),
  })
  .refine((phones) => Object.keys(phones).length > 0, {
    error: expecting('at least one phone, like "desk: PJSIP/owner-desk"'),
  })
  .describe('Phone name -> dial string, or phone settings with dial:. Rung in this order.');

const person = settings(
  {
    name: nonEmpty('a display name like "Anna Owner"').optional().describe('Full name, for logs. Default: the key.'),
    phones: PhonesSchema,
    notify: NotifyTargetsSchema.optional(),
  },
  'a person with phones:',
);

const DID_PHRASE = 'a dialled number in quotes like "+4530123456"';

export const DidSchema = quotedNumber(DID_PHRASE).regex(DID_PATTERN, {
  error: expecting('a dialled number of digits with an optional leading "+", like "+4530123456"'),
});

export const RingSchema = z
  .array(matching(RING_ENTRY_PATTERN, 'a person or person.phone, like "owner" or "owner.desk"'), {
    error: expecting('a list of people or phones, like [owner.desk, colleague]'),
  })
  .min(1, { error: expecting('at least one person or phone to ring') })
  .describe('People (all their phones) or person.phone entries, rung at once.');

const huntStep = settings(
  {
    ring: RingSchema,
    timeout: duration(DURATION_LIMITS.ringTimeout).describe('How long this step rings (1s to 10m).'),
    delay: duration(DURATION_LIMITS.stepDelay)
      .optional()
      .describe(
        'Start this step this long after the hunt began, while earlier steps may still ring (0s to 10m). Without it, the step starts when the previous one is over.',
      ),
  },
  'a hunt step with ring: and timeout:',
);

export const HuntSchema = z
  .array(huntStep, { error: expecting('a list of hunt steps, each with ring: and timeout:') })
  .min(1, { error: expecting('at least one hunt step') })
  .superRefine(reportMisplacedDelays)
  .describe('Who to ring, step by step.');

/**
 * A delay counts from the start of the hunt. The first step starts then anyway, so a delay there
 * would only keep the caller waiting; and a step whose delay is shorter than an earlier step's
 * would start before it, so steps would no longer start in the order they are written.
 */
function reportMisplacedDelays(steps: readonly { delay?: number | undefined }[], context: z.RefinementCtx): void {
  let longest: DelayedStep | undefined;
  steps.forEach(({ delay }, index) => {
    if (delay === undefined) return;
    const problem = delayProblem(index, delay, longest);
    if (problem === undefined) longest = { delay, index };
    else context.addIssue({ code: 'custom', path: [index, 'delay'], input: delay, message: problem });
  });
}

interface DelayedStep {
  readonly delay: number;
  readonly index: number;
}

/** `longest`: the step with the longest delay before this one. */
function delayProblem(index: number, delay: number, longest: DelayedStep | undefined): string | undefined {
  if (index === 0) return 'the first step starts when the hunt begins, so it takes no delay; remove delay: here';
  if (longest === undefined || delay >= longest.delay) return undefined;
  const least = formatDuration(longest.delay);
  return `this step would start before hunt[${longest.index}], whose delay is ${least}; steps start in the order they are written, so give it a delay of at least ${least}`;
}

const CALLER_MATCH_PHRASE = 'a phone number like "+4520111111" or a prefix ending in "*" like "+4540*"';

/** Whether a number is valid depends on the route's country, so number-checks.ts checks that. */
export const CallerMatchSchema = quotedNumber(CALLER_MATCH_PHRASE)
  .regex(CALLER_MATCH_PATTERN, { error: expecting(CALLER_MATCH_PHRASE), abort: true })
  .refine((text) => !text.endsWith('*') || NUMBER_PREFIX_PATTERN.test(text), {
    error: expecting('a prefix in international form, starting with "+" and the country code, like "+4540*"'),
  });

const callerRule = settings(
  {
    match: z
      .array(CallerMatchSchema, { error: expecting('a list of numbers or prefixes, like ["+4520111111", "+4540*"]') })
      .min(1, { error: expecting('at least one number or prefix') })
      .describe('Numbers (read with the route\'s country) or international prefixes ending in "*".'),
    treat: z.enum(['known', 'blocked']).describe('known: a valued caller; blocked: never put through.'),
    hunt: HuntSchema.optional().describe('Only with treat: known: a hunt of their own instead of the route\'s.'),
  },
  'a caller rule with match: and treat:',
).superRefine((rule, context) => {
  if (rule.treat !== 'blocked' || rule.hunt === undefined) return;
  context.addIssue({
    code: 'custom',
    path: ['hunt'],
    input: rule.hunt,
    message: 'blocked callers are never put through, so they have no hunt; remove hunt: or use treat: known',
  });
});

const route = settings(
  {
    numbers: z
      .array(DidSchema, { error: expecting('a list of dialled numbers, like ["+4530123456"], or []') })
      .describe('The dialled numbers (DIDs) this route answers, in quotes.'),
    language: matching(LANGUAGE_PATTERN, 'a language code like "en", "da" or "de"')
      .default('en')
      .describe('Language of the prompts: one with a file in prompts/src (en, da, de, or one you add). Default en.'),
    country: CountrySchema.optional().describe('For reading callers\' national numbers. Default firm.country.'),
    timezone: TimeZoneSchema.optional().describe('Time zone of the opening hours. Default firm.timezone.'),
    hours: HoursSchema.optional().describe(
      'Opening hours: a day (mon..sun) or range like mon-fri -> "HH:MM-HH:MM" or a list of them. No hours: always open.',
    ),
    holidays: HolidaysSchema.optional().describe(
      'Closed on public holidays: a country code, { country, region }, or false. Needs hours.',
    ),
    closedDays: ClosedDaysSchema.optional().describe('The firm\'s own closed days, YYYY-MM-DD. Needs hours.'),
    specialHours: SpecialHoursSchema.optional().describe(
      'YYYY-MM-DD -> "HH:MM-HH:MM", a list of them, or "closed"; replaces the day\'s hours. Needs hours.',
    ),
    hunt: HuntSchema,
    promise: settings(
      {
        deadline: duration(DURATION_LIMITS.promiseDeadline)
          .prefault('10m')
          .describe('How soon the call back is promised (1m to 24h). Default 10m.'),
        afterOpening: duration(DURATION_LIMITS.promiseDeadline)
          .optional()
          .describe('For calls while closed: the call back is due this long after the next opening. Default: deadline.'),
      },
      'promise settings (deadline:, afterOpening:)',
    )
      .prefault({})
      .describe('The call-back promise when nobody answers.'),
    outOfHours: settings(
      { hunt: HuntSchema.optional().describe('Who to ring while closed; without it, a closed route goes straight to the promise.') },
      'out-of-hours settings (hunt:)',
    )
      .prefault({})
      .describe('What happens while the route is closed.'),
    callers: z
      .array(callerRule, { error: expecting('a list of caller rules, each with match: and treat:') })
      .prefault([])
      .describe('Rules for particular callers; the first match wins.'),
    textBack: settings(
      {
        window: duration(DURATION_LIMITS.textBackWindow)
          .prefault('24h')
          .describe('At most one text per number in this long (1h to 30 days). Default 24h.'),
      },
      'text-back settings (window:)',
    )
      .optional()
      .describe('Text the caller right after a missed call (mobiles only, through the sms: gateway).'),
  },
  'a route with numbers: and hunt:',
);

export const RouteNameSchema = name('a route name');

export const PromptSourceSchema = z.enum(['sound', 'http']);

export const ConfigFileSchema = settings(
  {
    ari: settings(
      {
        url: ariUrl.describe('Base URL of Asterisk\'s HTTP server, without /ari.'),
        username: nonEmpty('the ARI user name from ari.conf'),
        password: secret('the ARI password from ari.conf'),
        app: stasisAppName.default('nevermiss').describe('The Stasis application name. Default nevermiss.'),
        requestTimeout: duration(DURATION_LIMITS.requestTimeout)
          .prefault('5s')
          .describe('How long to wait for Asterisk (100ms to 60s). Default 5s.'),
        drainAstdb: z
          .boolean()
          .default(true)
          .describe(
            'Turn the callers the dialplan fallback kept in AstDB while nevermiss was down into callbacks, and apply the outbound ' +
              'calls it could not report. Turn it off only where another nevermiss installation drains this Asterisk. Default true.',
          ),
      },
      'ARI connection settings (url:, username:, password:)',
    ).describe('How nevermiss reaches Asterisk (ARI).'),
    redis: settings(
      {
        url: redisUrl.default('redis://127.0.0.1:6379/0'),
        keyPrefix: redisKeyPrefix.default('nevermiss'),
        commandTimeout: duration(DURATION_LIMITS.redisCommandTimeout)
          .prefault('2s')
          .describe('How long a call waits for Redis before its callback goes to the local spool (100ms to 30s). Default 2s.'),
      },
      'Redis settings (url:, keyPrefix:, commandTimeout:)',
    )
      .prefault({})
      .describe('Where callback promises are stored.'),
    failover: settings(
      {
        lease: duration(DURATION_LIMITS.lease)
          .prefault('5s')
          .describe('How long the active instance\'s lease lives without renewal: a standby takes over about this long after the active one dies (2s to 1m). Default 5s.'),
        ariLossGrace: duration(DURATION_LIMITS.ariLossGrace)
          .prefault('10s')
          .describe('How long the active instance may be without ARI before it hands over to a standby that reaches it (1s to 10m). Default 10s.'),
      },
      'failover settings (lease:, ariLossGrace:)',
    )
      .prefault({})
      .describe('Several instances with the same Redis keyPrefix and Stasis app: one is active, the others stand by.'),
    http: HttpSchema,
    prompts: settings(
      {
        source: PromptSourceSchema.describe('sound: installed in Asterisk; http: served by nevermiss.'),
        directory: nonEmpty('a folder path').default('prompts/build').describe('Relative to this file. Default prompts/build.'),
        recordCode: featureCode
          .default(DEFAULT_RECORD_CODE)
          .describe('Dial from a desk phone to record the prompts in your own voice; must reach nevermiss (dialplan/nevermiss.conf). Default "*79".'),
      },
      'prompt settings (source:, directory:, recordCode:)',
    ).describe('The recorded messages callers hear.'),
    data: settings(
      {
        directory: nonEmpty('a folder path')
          .default('data')
          .describe('Relative to this file. Must be writable: it holds the spool of callbacks Redis could not take. Default data.'),
      },
      'data settings (directory:)',
    )
      .prefault({})
      .describe('Local files of the service.'),
    log: settings(
      {
        level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
        format: z.enum(['auto', 'json', 'text']).default('auto'),
      },
      'log settings (level:, format:)',
    )
      .prefault({})
      .describe('What the service logs.'),
    firm,
    status,
    people: z
      .record(name('a person name'), person, { error: expecting('people, each with phones:') })
      .describe('Everyone whose phones can ring.'),
    routes: z
      .record(RouteNameSchema, route, { error: expecting('routes, each with numbers: and hunt:') })
      .describe('What happens to a call, chosen by the number dialled.'),
    defaultRoute: RouteNameSchema.describe('The route for numbers no route lists.'),
    smtp: SmtpSchema.optional(),
    sms: SmsGatewaySchema.optional(),
    callbacks: CallbacksSchema,
    callable: CallableSchema,
    metrics: MetricsSchema.optional(),
    retention: RetentionSchema,
  },
  'the nevermiss settings: ari:, prompts:, people:, routes: and defaultRoute:',
);

/** The file after validation and defaults: durations in milliseconds, listen split into host and port. */
export type ConfigFile = z.output<typeof ConfigFileSchema>;
export type RouteFile = ConfigFile['routes'][string];
