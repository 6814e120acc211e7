/**
 * The `nevermiss` command: serve | check | doctor | init | callbacks list/done/dial/history | explain | status | login-link | report
 * | export | forget | prompts build (src/cli/prompts.ts).
 */
import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { UnsetVariables } from '../config/env.js';
import { DateTime } from 'luxon';
import { createCallbackStore } from '../callbacks/store.js';
import { createStatusStore, isStatusMode, type OwnerStatus } from '../callbacks/status.js';
import { createJobQueue } from '../callbacks/job-queue.js';
import { followUpClosed } from '../follow-up/follow-up.js';
import { DURATION_PATTERN, parseDuration } from '../config/duration.js';
import { explain, formatExplanation, sayInEnglish } from '../routing/explain.js';
import { localTimeInstant } from '../schedule/zone.js';
import { isCalendarDate } from '../config/opening-hours.js';
import { selectRoute } from '../routing/decide.js';
import { callbackToJson, type Callback } from '../callbacks/types.js';
import { describeError, isNevermissError, ErrorCodes } from '../errors.js';
import { ExitCode, connectRedis, serve } from '../main.js';
import { runCheck } from './check.js';
import { registerDoctor } from './doctor.js';
import { registerInit } from './init.js';
import { runPromptsList } from './prompts-list.js';
import { createRecordsReader } from '../callbacks/reader.js';
import { createEraser } from '../callbacks/erase.js';
import { buildReport, requestedPeriod } from '../figures/query.js';
import type { Period } from '../figures/period.js';
import { formatReport } from '../figures/table.js';
import { callerNumber, callerRecordsToJson } from '../caller-data/caller-data.js';
import { loginLink } from '../http/auth/links.js';
import { allows, grantedBy, type Scope } from '../http/auth/scopes.js';
import { packageVersion } from './package.js';
import { registerPromptsCommand } from './prompts.js';

const DEFAULT_CONFIG = process.env['NEVERMISS_CONFIG'] ?? 'config/nevermiss.yaml';

const program = new Command()
  .name('nevermiss')
  .description('Never lose a customer call: hunt groups, fallbacks and kept callback promises for Asterisk')
  .version(packageVersion(), '-V, --version', 'print the version of nevermiss')
  .showHelpAfterError();

const configOption = ['-c, --config <file>', 'the YAML configuration', DEFAULT_CONFIG] as const;

program
  .command('serve')
  .description('connect to ARI and Redis and handle every call')
  .option(...configOption)
  .action(async (opts: { config: string }) => {
    await serve(loadOrExit(opts.config));
  });

program
  .command('check')
  .description('validate the configuration; prints every problem as FILE:LINE:COL key.path: message')
  .option(...configOption)
  .option('--offline', 'without the secrets: environment variables that are not set are listed, not problems')
  .action((opts: { config: string; offline?: boolean }) => {
    process.exitCode = runCheck(opts.config, process.env, (line) => console.log(line), { offline: opts.offline === true });
  });

registerDoctor(program, DEFAULT_CONFIG);
registerInit(program);

const callbacks = program.command('callbacks').description('the pending callbacks');

callbacks
  .command('list')
  .description('list pending callbacks, soonest due first')
  .option(...configOption)
  .option('--json', 'print JSON, as GET /api/callbacks does')
  .action(async (opts: { config: string; json?: boolean }) => {
    await withRedis(opts.config, async (redis, config) => {
      const pending = await createCallbackStore(redis, config.redis.keyPrefix).listPending();
      const now = Date.now();
      if (opts.json) console.log(JSON.stringify(pending.map((cb) => callbackToJson(cb, now, config.callable)), null, 2));
      else printTable(pending, now);
    });
  });

callbacks
  .command('done <id>')
  .description('close a callback: the customer was reached')
  .option(...configOption)
  .option('--by <who>', 'who reached the customer', 'cli')
  .action(async (id: string, opts: { config: string; by: string }) => {
    await withRedis(opts.config, async (redis, config) => {
      const closed = await createCallbackStore(redis, config.redis.keyPrefix).close(id, 'done', opts.by, Date.now());
      // Its reminders and escalations are moot now; the service tells who needs to know.
      const jobs = createJobQueue(redis, config.redis.keyPrefix);
      try {
        await followUpClosed(jobs, closed, Date.now());
      } finally {
        await jobs.close();
      }
      console.log(`callback ${closed.id} to ${closed.caller} is done`);
    });
  });

callbacks
  .command('dial <id>')
  .description("ring a person's phones; when they answer and press 1, the customer is dialled")
  .option('--by <person>', 'who calls back (a person in the config); default: the first person told about callbacks')
  .option(...configOption)
  .action(async (id: string, opts: { config: string; by?: string }) => {
    const config = loadOrExit(opts.config);
    const url = `${localServiceUrl(config)}/api/callbacks/${encodeURIComponent(id)}/dial`;
    const token = cliToken(config, 'act');
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(opts.by === undefined ? {} : { by: opts.by }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      console.error(`${ErrorCodes.USAGE}: the service does not answer at ${url} (${describeError(err)}); dialling needs "nevermiss serve" running`);
      process.exit(ExitCode.FAILED);
    }
    const body = (await response.json().catch(() => ({}))) as { message?: string; person?: string };
    if (!response.ok) {
      console.error(body.message ?? `HTTP ${response.status}`);
      process.exit(response.status >= 500 ? ExitCode.FAILED : ExitCode.INVALID);
    }
    console.log(`ringing ${body.person ?? 'the phones'}: answer and press 1 to call the customer`);
  });

callbacks
  .command('history <id>')
  .description('every change of a callback, oldest first')
  .option(...configOption)
  .action(async (id: string, opts: { config: string }) => {
    await withStore(opts.config, async (store) => {
      for (const entry of await store.history(id)) {
        const change = entry.from === entry.to || entry.from === null ? entry.to : `${entry.from} -> ${entry.to}`;
        console.log(`${new Date(entry.at).toISOString()}  ${entry.event.padEnd(14)} ${change.padEnd(18)} by ${entry.by}${entry.detail ? `  (${entry.detail})` : ''}`);
      }
    });
  });

program
  .command('login-link <person>')
  .description("print a link that logs PERSON in on the phone that opens it (valid for a day; the session lasts 90 days)")
  .option('--next <path>', 'the page to show after logging in, like /callbacks/cb-2x7k9m4q8r', '/')
  .option(...configOption)
  .action((person: string, opts: { config: string; next: string }) => {
    const config = loadOrExit(opts.config);
    if (config.people[person] === undefined) usage(`unknown person "${person}"; known people: ${Object.keys(config.people).join(', ')}`);
    try {
      console.log(loginLink(config.http, person, { now: Date.now(), next: opts.next }));
    } catch (err) {
      usage(isNevermissError(err, ErrorCodes.USAGE) ? err.message.replace(/^NM_USAGE: /, '') : describeError(err));
    }
  });

program
  .command('explain')
  .description('print what will happen to a call: the rules that match and the exact ring timeline')
  .requiredOption('--to <number>', 'the dialled number (DID)')
  .requiredOption('--from <number>', 'the caller\'s number, or "anonymous"')
  .option('--at <time>', 'local time in the route\'s time zone, e.g. 2026-12-24T16:55 (default: now)')
  .option('--status <mode>', 'the owner status to assume: normal | away | closed', 'normal')
  .option('--json', 'print JSON')
  .option(...configOption)
  .action((opts: { to: string; from: string; at?: string; status: string; json?: boolean; config: string }) => {
    // Explaining connects to nothing and sends nothing, so it needs none of the secrets.
    const config = loadOrExit(opts.config, 'placeholder');
    if (!isStatusMode(opts.status)) usage(`--status must be normal, away or closed, got "${opts.status}"`);
    const { route } = selectRoute(config, opts.to);
    const now = opts.at === undefined ? Date.now() : parseAt(opts.at, route.timezone);
    const result = explain(config, {
      callId: 'explain',
      called: opts.to,
      callerRaw: opts.from,
      callerName: '',
      now,
      status: { mode: opts.status, until: null },
    });
    if (opts.json) console.log(JSON.stringify(explanationToJson(result), null, 2));
    else for (const line of formatExplanation(result, route.timezone)) console.log(line);
  });

const status = program.command('status').description("the owner's status switch: normal, away (skip my phones) or closed");

status
  .command('show', { isDefault: true })
  .description('show the status now in force')
  .option(...configOption)
  .action(async (opts: { config: string }) => {
    await withRedis(opts.config, async (redis, config) => {
      printStatus(await createStatusStore(redis, config.redis.keyPrefix).get(Date.now()));
    });
  });

status
  .command('set <mode>')
  .description('set normal | away | closed, for the next calls')
  .option('--for <duration>', 'falls back to normal after this long, e.g. 2h or 30m')
  .option(...configOption)
  .action(async (mode: string, opts: { config: string; for?: string }) => {
    if (!isStatusMode(mode)) usage(`mode must be normal, away or closed, got "${mode}"`);
    if (opts.for !== undefined && (!DURATION_PATTERN.test(opts.for) || parseDuration(opts.for) <= 0)) {
      usage(`--for must be a duration like 2h or 30m, got "${opts.for}"`);
    }
    await withRedis(opts.config, async (redis, config) => {
      const now = Date.now();
      const until = opts.for === undefined ? null : now + parseDuration(opts.for);
      printStatus(await createStatusStore(redis, config.redis.keyPrefix).set(mode, { until, by: 'cli', now }));
    });
  });

program
  .command('report')
  .description('the figures of a period: calls, who answered in which hunt step, callbacks kept within the promise, times to call back')
  .option('--from <date>', "first day, YYYY-MM-DD in the firm's time zone (default: today)")
  .option('--to <date>', 'last day, included (default: today, or --from when that is later)')
  .option('--json', 'print JSON, as GET /api/report does')
  .option(...configOption)
  .action(async (opts: { config: string; from?: string; to?: string; json?: boolean }) => {
    const config = loadOrExit(opts.config);
    const now = Date.now();
    const period = orUsage((): Period => requestedPeriod({ from: opts.from, to: opts.to }, config.firm.timezone, now));
    await withRedis(opts.config, async (redis) => {
      const report = await buildReport(createRecordsReader(redis, config.redis.keyPrefix), period, now);
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else for (const line of formatReport(report)) console.log(line);
    });
  });

program
  .command('export <number>')
  .description('print as JSON everything held in Redis about a caller\'s number: callbacks with their history and jobs, call-log entries, the text-back mark')
  .option(...configOption)
  .action(async (raw: string, opts: { config: string }) => {
    const config = loadOrExit(opts.config);
    const number = orUsage(() => callerNumber(raw, config.firm.country));
    await withRedis(opts.config, async (redis) => {
      const now = Date.now();
      const jobs = createJobQueue(redis, config.redis.keyPrefix);
      const records = await createEraser(redis, config.redis.keyPrefix, jobs).find(number, now).finally(() => jobs.close());
      console.log(JSON.stringify(callerRecordsToJson(records, now), null, 2));
    });
  });

program
  .command('forget <number>')
  .description(
    'erase everything held in Redis about a caller\'s number: callbacks (open ones too) with their history and jobs, ' +
      'call-log entries, indexes, idempotency keys, the text-back mark',
  )
  .option(...configOption)
  .action(async (raw: string, opts: { config: string }) => {
    const config = loadOrExit(opts.config);
    const number = orUsage(() => callerNumber(raw, config.firm.country));
    await withRedis(opts.config, async (redis) => {
      const jobs = createJobQueue(redis, config.redis.keyPrefix);
      const erased = await createEraser(redis, config.redis.keyPrefix, jobs).forget(number).finally(() => jobs.close());
      console.log(`${number}: erased ${erased.callbacks} callback(s), ${erased.calls} call-log entr${erased.calls === 1 ? 'y' : 'ies'} and ${erased.other} other key(s) from Redis`);
      console.log('not erased here: the service\'s logs, and what the PBX keeps (its call records, voicemail); see docs/decisions/0017');
    });
  });

// prompts build: src/cli/prompts.ts; prompts list: src/cli/prompts-list.ts.
registerPromptsCommand(program, configOption)
  .command('list')
  .description("which prompts play in the firm's own voice (recorded with prompts.recordCode) and which are generated")
  .option(...configOption)
  .option('--lang <lang>', "one language (default: the routes' languages)")
  .action(async (opts: { config: string; lang?: string }) => {
    const config = loadOrExit(opts.config);
    process.exitCode = await runPromptsList(config, opts.lang === undefined ? {} : { lang: opts.lang }, (line) => console.log(line));
  });

/** Runs `read`; a coded usage error (a bad date, a bad number) is printed and exits 1. */
function orUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!isNevermissError(err, ErrorCodes.USAGE)) throw err;
    console.error(err.message);
    process.exit(ExitCode.INVALID);
  }
}

/**
 * `--at`: a local date and time read by the schedule's DST rule (src/schedule/zone.ts), so that a
 * time the clocks skip or repeat means the same here as in the opening hours; or an instant with
 * its own offset ("Z", "+01:00"), taken as it is.
 */
function parseAt(text: string, timezone: string): number {
  const local = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(text.trim());
  if (local) {
    const [, date = '', hh = '', mm = '', ss = '0', frac = '0'] = local;
    const [hours, minutes, seconds] = [Number(hh), Number(mm), Number(ss)];
    if (isCalendarDate(date) && hours < 24 && minutes < 60 && seconds < 60) {
      return localTimeInstant(date, ((hours * 60 + minutes) * 60 + seconds) * 1000 + Number(frac.padEnd(3, '0')), timezone);
    }
  }
  const at = DateTime.fromISO(text, { setZone: true });
  const offsetGiven = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(text.trim());
  if (!at.isValid || !offsetGiven) usage(`--at "${text}" is not a date and time like 2026-12-24T16:55 (local to the route, ${timezone}) or 2026-12-24T15:55Z`);
  return at.toMillis();
}

function printStatus(current: OwnerStatus): void {
  const until = current.until === null ? '' : ` until ${new Date(current.until).toISOString()}`;
  const by = current.setAt === 0 ? '' : ` (set by ${current.setBy} at ${new Date(current.setAt).toISOString()})`;
  console.log(`status: ${current.mode}${until}${by}`);
}

function explanationToJson(e: ReturnType<typeof explain>): Record<string, unknown> {
  const d = e.decision;
  return {
    at: new Date(e.at).toISOString(),
    called: e.called,
    caller: e.caller,
    route: d.route.id,
    matched: d.matched,
    callerRule: d.callerRule,
    open: d.open,
    why: d.why,
    hunt: d.hunt,
    treatment: d.plan.treatment,
    uncallable: d.plan.uncallable,
    timeline: e.timeline.map((t) => ({ ...t, fromSec: t.fromMs / 1000, toSec: t.toMs / 1000 })),
    huntEndsAfterSec: e.huntEndsAfterMs / 1000,
    promise: e.promise && {
      kind: e.promise.kind,
      ...(e.promise.words.kind === 'within' ? { minutes: e.promise.words.within.hours * 60 + e.promise.words.within.minutes } : {}),
      said: sayInEnglish(e.promise.words),
      dueAt: new Date(e.promise.dueAt).toISOString(),
    },
  };
}

/** The service's own address, for the CLI on the same machine. */
function localServiceUrl(config: Config): string {
  const { host, port } = config.http;
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}`;
}

/**
 * The bearer token for the CLI's requests to the service: $NEVERMISS_TOKEN, else a token of the
 * config that reaches `scope` (whoever reads the config and its environment holds them anyway),
 * one without a person first, so the history names the token.
 */
function cliToken(config: Config, scope: Scope): string {
  const fromEnv = process.env['NEVERMISS_TOKEN'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const usable = config.http.tokens.filter((token) => allows(grantedBy(token.scope), scope));
  const token = usable.find((candidate) => candidate.person === null) ?? usable[0];
  if (token === undefined) usage(`this needs a token with scope ${scope}: set NEVERMISS_TOKEN, or add one to http.tokens in ${config.file}`);
  return token.secret;
}

function usage(message: string): never {
  console.error(`${ErrorCodes.USAGE}: ${message}`);
  process.exit(ExitCode.INVALID);
}

function loadOrExit(file: string, unsetVariables: UnsetVariables = 'problem'): Config {
  try {
    return loadConfig(file, process.env, { unsetVariables });
  } catch (err) {
    console.error(describeError(err));
    process.exit(ExitCode.INVALID);
  }
}

async function withStore(configFile: string, run: (store: ReturnType<typeof createCallbackStore>) => Promise<void>): Promise<void> {
  await withRedis(configFile, (redis, config) => run(createCallbackStore(redis, config.redis.keyPrefix)));
}

async function withRedis(configFile: string, run: (redis: ReturnType<typeof connectRedis>, config: Config) => Promise<void>): Promise<void> {
  const config = loadOrExit(configFile);
  const redis = connectRedis(config);
  redis.on('error', () => undefined);
  try {
    await run(redis, config);
  } catch (err) {
    console.error(describeError(err));
    const userError = isNevermissError(err, ErrorCodes.CALLBACK_NOT_FOUND) || isNevermissError(err, ErrorCodes.CALLBACK_CLOSED);
    process.exitCode = userError ? ExitCode.INVALID : ExitCode.FAILED;
  } finally {
    redis.disconnect();
  }
}

function printTable(pending: readonly Callback[], now: number): void {
  if (pending.length === 0) {
    console.log('no pending callbacks');
    return;
  }
  const rows = pending.map((cb) => [
    cb.id,
    cb.caller,
    cb.called,
    new Date(cb.dueAt).toISOString(),
    cb.dueAt < now ? 'OVERDUE' : `in ${Math.ceil((cb.dueAt - now) / 60_000)} min`,
    String(cb.attempts),
  ]);
  const header = ['ID', 'CALLER', 'CALLED', 'DUE', 'STATUS', 'ATTEMPTS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}

program.parseAsync().catch((err: unknown) => {
  console.error(describeError(err));
  process.exit(ExitCode.FAILED);
});
