/**
 * Durable timers: jobs that outlive a call (deadline, reminder, escalation, dial retry), kept in
 * Redis and claimed with leases, so any instance can run them, no two instances run the same job
 * at once, and a job claimed by an instance that then crashed is claimed again after its lease.
 *
 * One sorted set scores every job by when it can next be claimed: its due time while free, the
 * end of its lease while leased. Claiming is one script that takes what is due and leases it.
 * Job ids are deterministic ("remind:cb-123"): scheduling the same id again replaces the job.
 *
 * A job runs at least once, not exactly once: if a lease runs out while its holder still works,
 * another instance may run it too. Handlers re-read the callback and act only if still relevant
 * (a reminder for a closed callback does nothing), and leases are longer than a handler's work.
 */
import type { Redis } from 'ioredis';
import { ErrorCodes, NevermissError } from '../errors.js';
import { createKeys, type Keys } from './keys.js';
import { defineScript, guardRedis } from './scripts.js';

export type TimerData = Readonly<Record<string, string | number>>;

export interface TimerJob {
  /** Deterministic, e.g. "remind:cb-123": scheduling the same id again replaces its due time. */
  readonly id: string;
  /** What to do when it is due, e.g. "remind", "escalate", "deadline", "dial-retry". */
  readonly kind: string;
  readonly callbackId: string;
  readonly data?: TimerData;
}

/** A job leased to the caller of claimDue until leaseUntil. */
export interface ClaimedJob {
  readonly id: string;
  readonly kind: string;
  readonly callbackId: string;
  readonly data: TimerData;
  readonly dueAt: number;
  readonly leaseUntil: number;
  /** How often the job has been claimed, this time included (> 1: an earlier holder did not finish). */
  readonly claims: number;
}

/** A scheduled job as seen by inspection (the API). */
export interface TimerInfo {
  readonly id: string;
  readonly kind: string;
  readonly callbackId: string;
  readonly data: TimerData;
  readonly dueAt: number;
  /** The instance holding the lease, or null; a lease is over once leaseUntil <= now. */
  readonly leasedBy: string | null;
  readonly leaseUntil: number | null;
  readonly claims: number;
}

export type ScheduleResult = 'created' | 'changed' | 'unchanged';

export interface ClaimOptions {
  /** This instance's id; only it can complete or reschedule what it claimed. */
  readonly owner: string;
  /** How long the claimed jobs stay leased; longer than handling one takes. */
  readonly leaseMs: number;
  /** At most this many jobs per claim. */
  readonly limit: number;
}

export interface Timers {
  readonly keys: Keys;
  /** Creates the job, or replaces the job with the same id (kind, callback, data, due time). */
  schedule(job: TimerJob, dueAt: number): Promise<ScheduleResult>;
  /** Leases to `owner` the jobs due at or before now that are free or whose lease ran out, earliest first. */
  claimDue(now: number, options: ClaimOptions): Promise<ClaimedJob[]>;
  /**
   * Removes a job, only if `owner` holds its lease; false if not (another instance took it over,
   * or it was cancelled). A job scheduled again during the lease is kept at its new due time.
   */
  complete(jobId: string, owner: string): Promise<boolean>;
  /** Moves a job `owner` holds to a new due time and releases the lease (retry with backoff); false if not held. */
  reschedule(jobId: string, owner: string, dueAt: number): Promise<boolean>;
  /** Removes a job, leased or not; false if there was none. */
  cancel(jobId: string): Promise<boolean>;
  /** Removes every job of a callback (it is done, failed or cancelled); returns how many. */
  cancelForCallback(callbackId: string): Promise<number>;
  /** Every scheduled job, earliest due first. */
  pending(): Promise<TimerInfo[]>;
}

export function createTimers(redis: Redis, prefix: string): Timers {
  const keys = createKeys(prefix);
  const scripts = {
    schedule: defineScript(redis, 'scheduleTimer-3'),
    claimDue: defineScript(redis, 'claimDueTimers-2'),
    complete: defineScript(redis, 'completeTimer-3'),
    reschedule: defineScript(redis, 'rescheduleTimer-2'),
    cancel: defineScript(redis, 'cancelTimer-3'),
    cancelForCallback: defineScript(redis, 'cancelTimersOfCallback-3'),
  };

  return {
    keys,

    async schedule(job, dueAt) {
      for (const field of ['id', 'kind', 'callbackId'] as const) {
        if (job[field] === '') throw usage(`a timer job needs a ${field}; got ${JSON.stringify(job)}`);
      }
      assertTime(`due time of timer "${job.id}"`, dueAt);
      const result = await scripts.schedule(
        keys.timer(job.id), keys.timers, keys.timersOfCallbackPrefix,
        job.id, job.kind, job.callbackId, encodeData(job.id, job.data ?? {}), String(dueAt),
      );
      return result === 1 ? 'created' : result === 2 ? 'changed' : 'unchanged';
    },

    async claimDue(now, { owner, leaseMs, limit }) {
      assertTime('claim time', now);
      if (owner === '') throw usage('claimDue needs the owner (this instance\'s id)');
      if (!Number.isSafeInteger(leaseMs) || leaseMs < 1) throw usage(`claimDue: leaseMs must be a whole number of ms >= 1, got ${leaseMs}`);
      if (!Number.isSafeInteger(limit) || limit < 1) throw usage(`claimDue: limit must be a whole number >= 1, got ${limit}`);
      const reply = await scripts.claimDue(keys.timers, keys.timerPrefix, String(now), owner, String(leaseMs), String(limit));
      return (Array.isArray(reply) ? reply : []).map((row) => {
        const [id, kind, callbackId, data, dueAt, claims, leaseUntil] = (row as unknown[]).map(String);
        return {
          id: id ?? '',
          kind: kind ?? '',
          callbackId: callbackId ?? '',
          data: decodeData(data),
          dueAt: Number(dueAt),
          claims: Number(claims),
          leaseUntil: Number(leaseUntil),
        };
      });
    },

    async complete(jobId, owner) {
      return Number(await scripts.complete(keys.timer(jobId), keys.timers, keys.timersOfCallbackPrefix, jobId, owner)) > 0;
    },

    async reschedule(jobId, owner, dueAt) {
      assertTime(`due time of timer "${jobId}"`, dueAt);
      return Number(await scripts.reschedule(keys.timer(jobId), keys.timers, jobId, owner, String(dueAt))) > 0;
    },

    async cancel(jobId) {
      return (await scripts.cancel(keys.timer(jobId), keys.timers, keys.timersOfCallbackPrefix, jobId)) === 1;
    },

    async cancelForCallback(callbackId) {
      return Number(await scripts.cancelForCallback(keys.timersOfCallback(callbackId), keys.timers, keys.timerPrefix));
    },

    async pending() {
      // Inspection only: read without a script; a job that vanishes between the two reads is skipped.
      const ids = await guardRedis('list timer jobs', redis.zrange(keys.timers, 0, -1));
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(keys.timer(id));
      const replies = (await guardRedis('read timer jobs', pipeline.exec())) ?? [];
      const jobs: TimerInfo[] = [];
      for (const [err, value] of replies) {
        if (err || typeof value !== 'object' || value === null) continue;
        const f = value as Record<string, string>;
        if (f['id'] === undefined) continue;
        jobs.push({
          id: f['id'],
          kind: f['kind'] ?? '',
          callbackId: f['callbackId'] ?? '',
          data: decodeData(f['data']),
          dueAt: Number(f['dueAt']),
          leasedBy: f['leasedBy'] ?? null,
          leaseUntil: f['leaseUntil'] === undefined ? null : Number(f['leaseUntil']),
          claims: Number(f['claims'] ?? 0),
        });
      }
      return jobs.sort((a, b) => a.dueAt - b.dueAt || a.id.localeCompare(b.id));
    },
  };
}

function usage(message: string): NevermissError {
  return new NevermissError(ErrorCodes.USAGE, message);
}

function assertTime(what: string, ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0) throw usage(`${what} must be a whole number of ms since the epoch, got ${ms}`);
}

/** Canonical JSON (sorted keys), so scheduling the same data again is recognised as unchanged. */
function encodeData(jobId: string, data: TimerData): string {
  const entries = Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, value] of entries) {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw usage(`timer "${jobId}": data.${key} must be a string or a finite number`);
    }
  }
  return JSON.stringify(Object.fromEntries(entries));
}

function decodeData(raw: string | undefined): TimerData {
  if (raw === undefined || raw === '') return {};
  const parsed = JSON.parse(raw) as unknown;
  return typeof parsed === 'object' && parsed !== null ? (parsed as TimerData) : {};
}
