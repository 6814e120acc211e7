/**
 * The shapes of the HTTP API: every parameter and body is checked against these before a handler
 * runs (fastify-type-provider-zod), every answer is serialised through them, and the OpenAPI
 * document (docs/openapi.json) is generated from them.
 */
import { QUEUE_NAMES } from '../callbacks/job-queue.js';
import { JOB_KINDS } from '../follow-up/jobs.js';
import { z } from 'zod';

import { CALLBACK_STATUSES, HISTORY_EVENTS } from '../callbacks/lifecycle.js';
import { DURATION_PATTERN, parseDuration } from '../config/duration.js';
import { NAME_PATTERN } from '../config/schema-kit.js';

const isoTime = z.string().describe('ISO 8601 time, UTC');

export const ErrorBody = z
  .object({
    code: z.string().describe('A stable code to branch on, like NM_UNAUTHORIZED'),
    message: z.string().describe('What went wrong, and what to do'),
  })
  .describe('An error');

export const CallbackIdParams = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'a callback id like "cb-2x7k9m4q8r"')
    .describe('The callback\'s id, like "cb-2x7k9m4q8r"'),
});

export const CallbackJson = z.object({
  id: z.string(),
  caller: z.string().describe('The customer\'s number, E.164'),
  callerName: z.string().optional().describe('The caller ID name that came with their call, when there was one'),
  called: z.string().describe('The number they dialled'),
  route: z.string(),
  status: z.enum(CALLBACK_STATUSES),
  createdAt: isoTime,
  dueAt: isoTime,
  lastAttemptAt: isoTime,
  attempts: z.number().int().describe('How often the customer rang'),
  overdue: z.boolean(),
  closedAt: isoTime.optional(),
  closedBy: z.string().optional(),
  dialingBy: z.string().optional().describe('While dialing: who asked and whose phones ring, as "asker: person"'),
  uncallable: z.string().optional().describe('Why nobody is rung to call this number back (callable: in the config): 112, premium rate, another country…'),
});

export const HistoryEntryJson = z.object({
  at: isoTime,
  event: z.enum(HISTORY_EVENTS),
  from: z.enum(CALLBACK_STATUSES).nullable(),
  to: z.enum(CALLBACK_STATUSES),
  by: z.string().describe('Who or what made the change: a person, a token\'s name, "dialer:<instance>", ...'),
  detail: z.string().optional(),
});

export const JobJson = z.object({
  id: z.string().describe('Deterministic: the same job always has the same id, e.g. "remind.cb-123.0"'),
  queue: z.enum(QUEUE_NAMES).describe('The BullMQ queue it waits in: follow-up, or deliver-<channel>'),
  kind: z.enum(JOB_KINDS),
  callbackId: z.string(),
  data: z.record(z.string(), z.union([z.string(), z.number()])).describe('The rest of the job: event, person, channel, at (of a reminder), call'),
  state: z.string().describe('BullMQ state: delayed, waiting, prioritized, active (or completed, failed in an export)'),
  dueAt: isoTime,
  attemptsMade: z.number().int().describe('Attempts made so far, the one that succeeded included'),
  failedReason: z.string().nullable().describe('Why the last attempt failed'),
  startedAt: isoTime.nullable().describe('When the last attempt started'),
  finishedAt: isoTime.nullable().describe('When it completed or failed for good'),
});

const personName = z.string().regex(NAME_PATTERN, 'a person of the config, like "owner"');

export const DialBody = z
  .strictObject({
    by: personName.optional().describe('Whose phones ring; default: the person of the credential, else the first person told about callbacks'),
  })
  .nullish();

/** A note for the callback's history: how the customer was reached, or what happened when they weren't. */
export const NoteBody = z
  .strictObject({
    note: z.string().trim().max(500, 'a note of at most 500 characters').optional().describe('What happened, for the history'),
  })
  .nullish();

export const DialStarted = z.object({ sessionId: z.string(), person: z.string() });

export const StatusMode = z.enum(['normal', 'away', 'closed']);

export const StatusJson = z.object({
  mode: StatusMode,
  until: isoTime.nullable().describe('When it falls back to normal by itself; null: until changed'),
  setBy: z.string(),
  setAt: isoTime.nullable(),
});

export const StatusBody = z.strictObject({
  mode: StatusMode,
  for: z
    .string()
    .regex(DURATION_PATTERN, 'a duration like "2h" or "30m"')
    .refine((text) => parseDuration(text) > 0, 'a duration longer than 0, like "2h" or "30m"')
    .optional()
    .describe('Falls back to normal after this long, like "2h"'),
});

/** What Asterisk's CURL() posts (form fields are text); a JSON client may send answered as a number. */
export const OutboundReport = z.strictObject({
  number: z.string().min(1).max(64).describe('The number dialled'),
  answered: z
    .union([z.number(), z.string().regex(/^[0-9]{1,9}$/, 'whole seconds').transform(Number)])
    .pipe(z.number().int().min(0).max(86_400))
    .describe('How long the call was answered, in seconds (ANSWEREDTIME)'),
  from: z.string().max(64).optional().describe('The calling phone\'s number'),
});

export const OutboundResult = z.object({ closed: z.string().nullable().describe('The id of the callback it closed, if any') });

export const ConfigStateJson = z.object({
  file: z.string(),
  loadedAt: isoTime,
  rejected: z.object({ at: isoTime, problems: z.array(z.string()) }).nullable().describe('The problems of the last refused reload'),
});

export const HealthJson = z.object({
  status: z.enum(['ok', 'degraded']),
  role: z.enum(['active', 'standby']),
  instance: z.string(),
  leaseHolder: z.string().nullable(),
  ari: z.boolean(),
  ariReachable: z.boolean().nullable(),
  redis: z.boolean(),
  activeCalls: z.number().int(),
  config: z
    .object({ loadedAt: isoTime, rejectedAt: isoTime.nullable().describe('When a reload was last refused (the problems: GET /api/admin/config)') })
    .optional(),
  spool: z.object({ depth: z.number().int(), oldestAt: isoTime.nullable() }).optional(),
  memory: z.object({ rss: z.number(), heapUsed: z.number() }),
});

export const LoginQuery = z.strictObject({
  t: z.string().max(2_048).describe('The signed login token'),
  next: z.string().max(512).optional().describe('A path on this service to show after logging in, like "/callbacks/cb-2x7k9m4q8r"'),
});

export const ActionParams = z.strictObject({ token: z.string().max(2_048).describe('The signed, single-use action token') });

export const ActionDone = z.discriminatedUnion('act', [
  z.object({ act: z.literal('done'), callback: CallbackJson }),
  z.object({ act: z.literal('dial'), sessionId: z.string(), person: z.string() }),
]);


export const PromptParams = z.strictObject({ lang: z.string(), file: z.string() });

const reportDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-03-01')
  .describe('A day, YYYY-MM-DD, in the firm\'s time zone');

export const ReportQuery = z.strictObject({
  from: reportDate.optional().describe('The first day (default: today)'),
  to: reportDate.optional().describe('The last day, included (default: today, or from when that is later)'),
});

const localTime = z.string().describe('ISO 8601 local time with its offset, like 2026-03-29T03:00:00.000+02:00');
const seconds = z.number().nullable().describe('Seconds, one decimal; null when there is none');
const durationFigures = z.object({ count: z.number().int(), medianSeconds: seconds, worstSeconds: seconds });
const count = z.number().int();

/** src/figures/report.ts `Report`; docs/decisions/0017 says what each figure means. */
export const ReportJson = z.object({
  period: z.object({ from: z.string(), to: z.string(), timezone: z.string(), start: localTime, end: localTime }),
  generatedAt: isoTime,
  calls: z.object({
    total: count,
    answered: count.describe('A person took the call (in the hunt or at the dialplan fallback)'),
    missed: count.describe('Nobody did: a callback was recorded, the caller withheld their number, the service failed, or the fallback was not answered'),
    blocked: count,
    outcomes: z.record(z.string(), count).describe('By outcome: answered, callback-pending, withheld-no-callback, failed, blocked, fallback-answered, fallback-missed'),
    answeredBy: z.array(z.object({ person: z.string(), phone: z.string(), step: z.number().int().nullable().describe('The hunt step, 0-based as in hunt[0]; null when unknown'), calls: count })).readonly(),
    byPerson: z.array(z.object({ person: z.string(), calls: count })).readonly(),
    byStep: z.array(z.object({ step: z.number().int().nullable(), calls: count })).readonly(),
    timeToAnswer: durationFigures,
  }),
  callbacks: z.object({
    created: count.describe('Callbacks created in the period: the promises made'),
    kept: count.describe('Done, the customer reached at or before the deadline'),
    late: count.describe('Done, reached after the deadline'),
    failed: count,
    cancelled: count,
    open: count.describe('Still owed, within the deadline'),
    overdue: count.describe('Still owed, past the deadline'),
    keptShare: z.number().nullable().describe('kept / (kept + late + failed + overdue); null when none is due or settled'),
    reachedVia: z.record(z.string(), count).describe('How the done ones were reached: dial-back, called-again, outbound, fallback, by-hand, unknown'),
    timeToCallBack: durationFigures,
    longestOpenWaitSeconds: seconds,
  }),
  perDay: z.array(z.object({ date: z.string(), calls: count, answered: count, missed: count, callbacks: count, kept: count })).readonly(),
  perHour: z.array(z.object({ start: localTime, calls: count, answered: count, missed: count })).readonly(),
});
