/**
 * The follow-up jobs on BullMQ (docs/decisions/0019): delayed jobs, ids that make scheduling
 * idempotent, attempts with our backoff table, recovery of the jobs of a worker that died, and
 * bounded concurrency, on the same Redis and under the same hash tag as every other key.
 *
 * One queue per way out, each with its own workers, so a receiver that stalls holds up only its
 * own channel:
 *   follow-up        notify (fan-out), remind, overdue, escalate: quick, Redis only
 *   deliver-<chan>   one per notification channel (email, webhook, ntfy, sms); the text-back
 *                    to the caller goes out over the SMS gateway, so it is on deliver-sms
 *
 * A job runs at least once: a worker killed mid-job leaves it locked until its lock runs out,
 * then another worker runs it again. Deliveries carry their job id as delivery id, so a receiver
 * that honours it (X-Nevermiss-Delivery) sees every event once.
 */
import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions, type JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import { describeError, ErrorCodes, NevermissError } from '../errors.js';
import { parseJob, type FollowUpJob, type JobKind } from '../follow-up/jobs.js';
import { RETRY_DELAYS_MS, nextRetryDelay } from '../notify/retry.js';
import { CHANNEL_NAMES } from '../notify/types.js';
import { createKeys, jobId, type Keys } from './keys.js';
import { guardRedis } from './scripts.js';

export const QUEUE_NAMES = ['follow-up', ...CHANNEL_NAMES.map((name) => `deliver-${name}` as const)] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Which queue a job waits in. */
export function queueOf(job: FollowUpJob): QueueName {
  switch (job.kind) {
    case 'deliver':
      return `deliver-${job.channel}`;
    case 'text-back':
      return 'deliver-sms';
    case 'notify':
    case 'remind':
    case 'overdue':
    case 'escalate':
      return 'follow-up';
  }
}

/** The jobs of a callback that wait for a time, which closing it removes. Fan-outs and deliveries run at once, and check that their callback is still open. */
const WAITING_KINDS: readonly JobKind[] = ['remind', 'overdue', 'escalate'];

/** The states of a job that is still to run (or running). */
const SCHEDULED_STATES: JobType[] = ['active', 'waiting', 'prioritized', 'delayed'];
/** Every state a job can be kept in: what erasing a callback's data looks through. */
const ALL_STATES: JobType[] = [...SCHEDULED_STATES, 'completed', 'failed', 'waiting-children'];

export interface JobInfo {
  readonly id: string;
  readonly queue: QueueName;
  readonly job: FollowUpJob;
  readonly state: string;
  /** When it is due (a delayed job: its next try), or was first due, ms. */
  readonly dueAt: number;
  /** Attempts made so far (BullMQ counts the one that succeeded too). */
  readonly attemptsMade: number;
  /** Why its last attempt failed, or null. */
  readonly failedReason: string | null;
  /** When its last attempt started, and when it finished (completed or failed for good), ms, or null. */
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

/** A job as the API and an export show it: times in ISO 8601, the payload without kind and callback. */
export function jobToJson(info: JobInfo): {
  id: string; queue: QueueName; kind: JobKind; callbackId: string; data: Record<string, string | number>;
  state: string; dueAt: string; attemptsMade: number; failedReason: string | null; startedAt: string | null; finishedAt: string | null;
} {
  const { kind, callbackId, ...data } = info.job;
  return {
    id: info.id,
    queue: info.queue,
    kind,
    callbackId,
    data,
    state: info.state,
    dueAt: new Date(info.dueAt).toISOString(),
    attemptsMade: info.attemptsMade,
    failedReason: info.failedReason,
    startedAt: info.startedAt === null ? null : new Date(info.startedAt).toISOString(),
    finishedAt: info.finishedAt === null ? null : new Date(info.finishedAt).toISOString(),
  };
}

/** One run of a job, as its handler sees it. */
export interface JobRun {
  readonly id: string;
  /** 1 for the first try. */
  readonly attempt: number;
  /** No retry follows if this one fails. */
  readonly last: boolean;
}

export interface WorkerOptions {
  /** Jobs one queue runs at once on this instance (callbacks.jobConcurrency). */
  readonly concurrency: number;
  /** Whether a failure is worth another attempt (after the backoff); a final one fails the job. */
  readonly retryable: (err: unknown) => boolean;
  /** A job is run; a thrown error is a failed attempt. */
  readonly handle: (job: FollowUpJob, run: JobRun) => Promise<void>;
}

export interface JobCounts {
  /** Follow-up jobs scheduled (notifications and their retries, reminders, escalations), running ones included. */
  readonly jobs: number;
  /** Jobs that could run now, by BullMQ's clock (not delayed): the queue's backlog, running ones included. */
  readonly jobsDue: number;
}

export interface JobQueue {
  readonly keys: Keys;
  /** Schedules a job for `at` (ms); false when a job with its id exists already (nothing changes). */
  add(job: FollowUpJob, at: number, now: number): Promise<boolean>;
  /** Removes one job unless it is running; false when there was none to remove. */
  remove(job: FollowUpJob): Promise<boolean>;
  /**
   * Removes a callback's jobs of these kinds (default: reminders, overdue, escalate) that have
   * not started, whatever their due time; returns how many. A job running right now is left to
   * finish (it finds the callback closed).
   */
  removeWaitingOf(callbackId: string, kinds?: readonly JobKind[]): Promise<number>;
  /** Removes every job of these callbacks in any state, kept results included (erasing data); returns how many. */
  removeAllOf(callbackIds: ReadonlySet<string>): Promise<number>;
  /** The jobs still to run or running, earliest due first. */
  scheduled(): Promise<JobInfo[]>;
  /** Every kept job of these callbacks, whatever its state. */
  allOf(callbackIds: ReadonlySet<string>): Promise<JobInfo[]>;
  /** How many jobs are scheduled, and how many of them are due (no longer delayed). */
  counts(): Promise<JobCounts>;
  /**
   * Moves the jobs left in the queue that came before BullMQ (a sorted set of timers) over, at
   * their due times, and deletes the old keys; returns how many it moved. Safe to run on several
   * instances at once: the ids make the adds idempotent.
   */
  adoptLegacyTimers(now: number): Promise<number>;
  /** Starts a worker per queue on its own connection (the active instance). */
  startWorkers(options: WorkerOptions): void;
  /** Stops the workers, waiting at most `graceMs` for the jobs they run. */
  stopWorkers(graceMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface JobQueueOptions {
  /**
   * How long a running job stays locked to its worker without a renewal (the worker renews it
   * while alive), and how often stalled jobs are looked for: a job of a killed worker runs
   * again after at most about twice this. Default 30 s.
   */
  readonly lockMs?: number;
  /** A worker or queue failed outside a job (Redis went away): reported here, never thrown. */
  readonly onError?: (what: string, err: unknown) => void;
}

/** Completed jobs are kept a day, so a job scheduled again meanwhile is not run twice; failed ones a week, to look into. */
const KEEP_COMPLETED = { age: 24 * 3600, count: 50_000 };
const KEEP_FAILED = { age: 7 * 24 * 3600, count: 50_000 };
/** How often a job may be found stalled (its worker died) before it counts as failed. */
const MAX_STALLS = 5;
const BACKOFF_TYPE = 'nevermiss';

/**
 * `redis`: the service's connection, used to add and read jobs (fails fast while Redis is away).
 * Workers get their own connections (duplicated from it) with `maxRetriesPerRequest: null` and no
 * command timeout, as BullMQ's blocking commands need.
 */
export function createJobQueue(redis: Redis, prefix: string, options: JobQueueOptions = {}): JobQueue {
  const keys = createKeys(prefix);
  const lockMs = options.lockMs ?? 30_000;
  const onError = options.onError ?? (() => undefined);
  const queues = new Map<QueueName, Queue>(QUEUE_NAMES.map((name) => [name, new Queue(name, { connection: redis, prefix: keys.jobsPrefix })]));
  const queue = (name: QueueName): Queue => {
    const found = queues.get(name);
    if (!found) throw new Error(`no queue "${name}"`);
    return found;
  };
  let workers: Worker[] = [];
  let workerConnections: Redis[] = [];

  const jobOptions = (job: FollowUpJob, delay: number): JobsOptions => ({
    jobId: jobId(job),
    delay,
    attempts: job.kind === 'deliver' || job.kind === 'text-back' ? RETRY_DELAYS_MS.length + 1 : 3,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  });

  function info(name: QueueName, job: Job, state: string): JobInfo | null {
    const parsed = parseJob(job.data);
    if (!parsed || job.id === undefined) return null;
    return {
      id: job.id,
      queue: name,
      job: parsed,
      state,
      // BullMQ keeps the delay of a delayed job (the first, or a retry's backoff); once moved on, the delay it was added with.
      dueAt: job.timestamp + (state === 'delayed' ? job.delay : (job.opts.delay ?? 0)),
      attemptsMade: job.attemptsMade,
      failedReason: job.failedReason === undefined || job.failedReason === '' ? null : job.failedReason,
      startedAt: job.processedOn ?? null,
      finishedAt: job.finishedOn ?? null,
    };
  }

  async function read(states: JobType[], keep: (job: FollowUpJob) => boolean): Promise<JobInfo[]> {
    const found: JobInfo[] = [];
    for (const name of QUEUE_NAMES) {
      for (const state of states) {
        const jobs = await guardRedis(`read the ${state} jobs of ${name}`, queue(name).getJobs([state], 0, -1, true));
        for (const job of jobs) {
          const row = info(name, job, state);
          if (row && keep(row.job)) found.push(row);
        }
      }
    }
    return found.sort((a, b) => a.dueAt - b.dueAt || a.id.localeCompare(b.id));
  }

  async function removeById(name: QueueName, id: string): Promise<boolean> {
    try {
      return (await queue(name).remove(id)) === 1;
    } catch (err) {
      // A locked (running) job is not removed; it sees its callback closed and does nothing.
      if (/locked/i.test(describeError(err))) return false;
      throw new NevermissError(ErrorCodes.REDIS, `Redis failed to remove job "${id}": ${describeError(err)}`, {}, { cause: err });
    }
  }

  const api: JobQueue = {
    keys,

    async add(job, at, now) {
      if (!Number.isSafeInteger(at) || at < 0) throw new NevermissError(ErrorCodes.USAGE, `the due time of job "${jobId(job)}" must be whole ms since the epoch, got ${at}`);
      const name = queueOf(job);
      const options = jobOptions(job, Math.max(0, at - now));
      const id = options.jobId ?? '';
      // BullMQ returns the existing job for an id it holds; tell the two apart by reading first.
      if (await guardRedis(`read job "${id}"`, queue(name).getJob(id))) return false;
      await guardRedis(`add job "${id}"`, queue(name).add(job.kind, job, options));
      return true;
    },

    remove: (job) => removeById(queueOf(job), jobId(job)),

    async removeWaitingOf(callbackId, kinds = WAITING_KINDS) {
      // They wait in the follow-up queue, a handful per open callback: read them rather than guess their ids.
      const rows = await guardRedis('read the waiting follow-up jobs', queue('follow-up').getJobs(['delayed', 'waiting', 'prioritized'], 0, -1, true));
      let removed = 0;
      for (const row of rows) {
        const job = parseJob(row.data);
        if (job?.callbackId === callbackId && kinds.includes(job.kind) && row.id !== undefined && (await removeById('follow-up', row.id))) removed += 1;
      }
      return removed;
    },

    async removeAllOf(callbackIds) {
      if (callbackIds.size === 0) return 0;
      let removed = 0;
      for (const row of await read(ALL_STATES, (job) => callbackIds.has(job.callbackId))) if (await removeById(row.queue, row.id)) removed += 1;
      return removed;
    },

    scheduled: () => read(SCHEDULED_STATES, () => true),

    allOf: (callbackIds) => read(ALL_STATES, (job) => callbackIds.has(job.callbackId)),

    async counts() {
      let jobs = 0;
      let delayed = 0;
      for (const name of QUEUE_NAMES) {
        const counts = await guardRedis(`count the jobs of ${name}`, queue(name).getJobCounts(...SCHEDULED_STATES));
        jobs += SCHEDULED_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
        delayed += counts['delayed'] ?? 0;
      }
      return { jobs, jobsDue: jobs - delayed };
    },

    async adoptLegacyTimers(now) {
      const ids = await guardRedis('read the old timers', redis.zrange(keys.legacyTimers, 0, -1));
      let moved = 0;
      for (const id of ids) {
        const fields = await guardRedis('read an old timer', redis.hgetall(keys.legacyTimer(id)));
        const stored = Number(fields['dueAt']);
        const dueAt = Number.isSafeInteger(stored) && stored >= 0 ? stored : now;
        const job = legacyJob(fields, dueAt);
        if (job && (await api.add(job, dueAt, now))) moved += 1;
        await guardRedis('delete an old timer', redis.multi().del(keys.legacyTimer(id)).zrem(keys.legacyTimers, id)
          .del(keys.legacyTimersOfCallback(fields['callbackId'] ?? '')).exec());
      }
      return moved;
    },

    startWorkers({ concurrency, retryable, handle }) {
      if (workers.length > 0) return;
      for (const name of QUEUE_NAMES) {
        // A connection of its own: BullMQ blocks on it, and must wait out a Redis outage rather than fail.
        const connection = redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false });
        delete (connection.options as { commandTimeout?: number }).commandTimeout;
        connection.on('error', (err: unknown) => onError(`the job connection of ${name}`, err));
        workerConnections.push(connection);
        const worker = new Worker(
          name,
          async (job) => {
            const parsed = parseJob(job.data);
            if (!parsed) throw new UnrecoverableError(`job "${job.id ?? ''}" in ${name} is not a follow-up job; dropped`);
            const attempts = job.opts.attempts ?? 1;
            try {
              await handle(parsed, { id: job.id ?? jobId(parsed), attempt: job.attemptsMade + 1, last: job.attemptsMade + 1 >= attempts });
            } catch (err) {
              if (retryable(err)) throw err instanceof Error ? err : new Error(describeError(err));
              throw new UnrecoverableError(describeError(err));
            }
          },
          {
            connection,
            prefix: keys.jobsPrefix,
            concurrency,
            lockDuration: lockMs,
            stalledInterval: lockMs,
            maxStalledCount: MAX_STALLS,
            settings: { backoffStrategy: (attemptsMade: number) => nextRetryDelay(attemptsMade) ?? -1 },
          },
        );
        worker.on('error', (err) => onError(`the ${name} worker`, err));
        workers.push(worker);
      }
    },

    async stopWorkers(graceMs = 10_000) {
      const stopping = workers;
      const connections = workerConnections;
      workers = [];
      workerConnections = [];
      await within(graceMs, Promise.allSettled(stopping.map((worker) => worker.close())));
      // Whatever still runs loses its lock and runs again on another worker. Redis may be the
      // reason it hangs, so a stop never waits for it longer than a moment.
      await within(1_000, Promise.allSettled(stopping.map((worker) => worker.close(true))));
      for (const connection of connections) connection.disconnect();
    },

    async close() {
      await api.stopWorkers();
      // The queues share the service's connection, which its owner closes.
      await within(1_000, Promise.allSettled([...queues.values()].map((q) => q.close())));
    },
  };

  for (const [name, q] of queues) q.on('error', (err) => onError(`the ${name} queue`, err));
  return api;
}

/** Waits for `work`, at most `ms`. */
async function within(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A job of the queue before BullMQ, as a job of now; null for a kind that no longer exists. */
function legacyJob(fields: Record<string, string>, dueAt: number): FollowUpJob | null {
  const callbackId = fields['callbackId'] ?? '';
  let data: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(fields['data'] ?? '{}') as unknown;
    if (typeof parsed === 'object' && parsed !== null) data = parsed as Record<string, unknown>;
  } catch {
    data = {};
  }
  const kind = fields['kind'];
  const legacy: Record<string, unknown> = { callbackId, ...data };
  switch (kind) {
    case 'notify':
      return parseJob({ ...legacy, kind: 'notify' });
    case 'deliver':
      return parseJob({ ...legacy, kind: 'deliver' });
    case 'remind':
      return parseJob({ ...legacy, kind: 'remind', at: dueAt });
    case 'overdue':
      return parseJob({ ...legacy, kind: 'overdue' });
    case 'textback':
      return parseJob({ ...legacy, kind: 'text-back', call: 0 });
    default:
      return null;
  }
}

export type { JobKind };
