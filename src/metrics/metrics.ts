/**
 * Prometheus metrics (prom-client), one registry per app, never the library's global one.
 *
 *   Counters and histograms count what this process saw since it started: calls by outcome,
 *   answers by person and hunt step, hunt durations, callbacks closed (kept, late, failed,
 *   cancelled) and how long the customer waited, notifications sent, retried or failed. That is
 *   Prometheus' model: rate() and increase() handle restarts, and an instance that stands by
 *   counts nothing.
 *   Gauges are read when scraped: open callbacks (overdue or not) and the job queue from Redis
 *   (four O(log N) counts, within the Redis command timeout), ARI and Redis connection state, the
 *   role, the spool and the calls in progress from the process. If Redis can't answer, the Redis
 *   gauges are left out of that scrape and nevermiss_redis_scrape_ok is 0.
 *
 * The service reports events through the `Metrics` port; this module is the only one that
 * imports prom-client.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Outcome } from '../call-flow/types.js';
import type { Callback } from '../callbacks/types.js';
import type { StoredCounts } from '../callbacks/reader.js';
import type { JobCounts } from '../callbacks/job-queue.js';
import { classifyCall, reachedAt, standing } from '../figures/report.js';

export type NotificationResult = 'sent' | 'retried' | 'failed';

/** What the service tells the metrics. Every method is synchronous and never throws. */
export interface Metrics {
  /** A call ended with this outcome (once per call; the dialplan fallback's calls when drained). */
  callEnded(outcome: Outcome): void;
  /** A hunt ended without an answer after this long (callers with a number: their callback is recorded). */
  huntMissed(ms: number): void;
  /** A new callback was recorded (not a repeat call folded into an open one). */
  callbackCreated(): void;
  /** A callback closed (done, failed or cancelled), as it is now. */
  callbackClosed(callback: Callback, now: number): void;
  /** One delivery of a notification (or a text to the caller) over a channel. */
  notification(channel: string, result: NotificationResult): void;
}

/** What the gauges read at scrape time. */
export interface GaugeSources {
  /** The counts from Redis; rejects when Redis can't answer in time. */
  readonly stored: (now: number) => Promise<StoredCounts & JobCounts>;
  readonly state: () => {
    readonly active: boolean;
    readonly ari: boolean;
    readonly redis: boolean;
    readonly activeCalls: number;
    readonly spoolDepth: number;
  };
  readonly now: () => number;
}

export interface MetricsRegistry {
  readonly metrics: Metrics;
  /** The text exposition format, with the gauges read now. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** A hunt rings for seconds to a couple of minutes. */
const HUNT_BUCKETS = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300];
/** A call back takes minutes to a day. */
const CALLBACK_BUCKETS = [60, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 259_200];

export function createMetrics(sources: GaugeSources): MetricsRegistry {
  const register = new Registry();

  const calls = new Counter({
    name: 'nevermiss_calls_total',
    help: 'Calls that ended, by outcome (answered, callback-pending, withheld-no-callback, blocked, failed, fallback) and whether a person answered.',
    labelNames: ['outcome', 'answered'] as const,
    registers: [register],
  });
  const answers = new Counter({
    name: 'nevermiss_answered_calls_total',
    help: 'Calls a person answered in the hunt, by person and hunt step (0-based, as in hunt[0]; "" when unknown).',
    labelNames: ['person', 'step'] as const,
    registers: [register],
  });
  const hunts = new Histogram({
    name: 'nevermiss_hunt_duration_seconds',
    help: 'From the call\'s arrival until a phone answered (result="answered") or the hunt ended without an answer for a caller with a number (result="missed").',
    labelNames: ['result'] as const,
    buckets: HUNT_BUCKETS,
    registers: [register],
  });
  const created = new Counter({ name: 'nevermiss_callbacks_created_total', help: 'Callbacks recorded (a promise made to a caller).', registers: [register] });
  const closed = new Counter({
    name: 'nevermiss_callbacks_closed_total',
    help: 'Callbacks closed, by result: kept (customer reached by the deadline), late (reached after it), failed (not reached), cancelled.',
    labelNames: ['result'] as const,
    registers: [register],
  });
  const timeToCallBack = new Histogram({
    name: 'nevermiss_time_to_callback_seconds',
    help: 'From the missed call (the callback\'s creation) until the customer was reached, for callbacks closed as done.',
    buckets: CALLBACK_BUCKETS,
    registers: [register],
  });
  const notifications = new Counter({
    name: 'nevermiss_notifications_total',
    help: 'Notification deliveries by channel (email, webhook, ntfy, sms; textback for texts to callers) and result (sent, retried, failed for good).',
    labelNames: ['channel', 'result'] as const,
    registers: [register],
  });
  for (const result of ['kept', 'late', 'failed', 'cancelled']) closed.labels(result).inc(0);

  const gauge = (name: string, help: string): Gauge => new Gauge({ name, help, registers: [register] });
  // Labelled, so that a scrape without Redis leaves them out instead of showing 0.
  const openCallbacks = new Gauge({
    name: 'nevermiss_callbacks_open',
    help: 'Open callbacks (pending or being dialled), by whether their deadline has passed; read from Redis at scrape time.',
    labelNames: ['overdue'] as const,
    registers: [register],
  });
  const queuedJobs = new Gauge({
    name: 'nevermiss_jobs_queued',
    help: 'Follow-up jobs scheduled (notifications and retries, reminders, escalations), by whether they are due now and unclaimed (the backlog); read from Redis at scrape time.',
    labelNames: ['due'] as const,
    registers: [register],
  });
  const redisScrape = gauge('nevermiss_redis_scrape_ok', '1 when the Redis gauges of this scrape could be read, else 0 (they are then left out).');
  const active = gauge('nevermiss_active', '1 on the active instance (it holds the lease and the Stasis app), 0 on a standby.');
  const ari = gauge('nevermiss_ari_connected', '1 while the active instance\'s ARI WebSocket is connected.');
  const redis = gauge('nevermiss_redis_connected', '1 while the Redis connection is ready.');
  const activeCalls = gauge('nevermiss_calls_in_progress', 'Calls this instance is handling now.');
  const spool = gauge('nevermiss_spool_depth', 'Records waiting in the local spool for Redis; above 0 for long means Redis does not take them.');
  // The process's own cost, a few figures rather than prom-client's default set (whose event-loop
  // gauges read NaN until sampled, which some text-format readers refuse).
  const cpu = new Counter({ name: 'nevermiss_process_cpu_seconds_total', help: 'CPU time this process used, user and system.', registers: [register] });
  const rss = gauge('nevermiss_process_resident_memory_bytes', 'Resident memory of this process.');
  const heap = gauge('nevermiss_process_heap_used_bytes', 'JavaScript heap in use.');
  let cpuSeen = 0;

  const metrics: Metrics = {
    callEnded(outcome) {
      calls.labels(outcome.kind, String(classifyCall(outcome) === 'answered')).inc();
      if (outcome.kind !== 'answered') return;
      answers.labels(outcome.by.person, outcome.step === undefined ? '' : String(outcome.step)).inc();
      hunts.labels('answered').observe(outcome.ringMs / 1000);
    },
    huntMissed(ms) {
      hunts.labels('missed').observe(Math.max(0, ms) / 1000);
    },
    callbackCreated() {
      created.inc();
    },
    callbackClosed(callback, now) {
      const result = standing(callback, now);
      if (result === 'open' || result === 'overdue') return;
      closed.labels(result).inc();
      const reached = reachedAt(callback);
      if (reached !== null) timeToCallBack.observe(Math.max(0, reached - callback.createdAt) / 1000);
    },
    notification(channel, result) {
      notifications.labels(channel, result).inc();
    },
  };

  return {
    metrics,
    contentType: register.contentType,
    async render() {
      const state = sources.state();
      active.set(state.active ? 1 : 0);
      ari.set(state.ari ? 1 : 0);
      redis.set(state.redis ? 1 : 0);
      activeCalls.set(state.activeCalls);
      spool.set(state.spoolDepth);
      const { user, system } = process.cpuUsage();
      const cpuNow = (user + system) / 1e6;
      cpu.inc(Math.max(0, cpuNow - cpuSeen));
      cpuSeen = cpuNow;
      const memory = process.memoryUsage();
      rss.set(memory.rss);
      heap.set(memory.heapUsed);
      const stored = await sources.stored(sources.now()).catch(() => null);
      openCallbacks.reset();
      queuedJobs.reset();
      if (stored !== null) {
        openCallbacks.labels('true').set(stored.overdueCallbacks);
        openCallbacks.labels('false').set(stored.openCallbacks - stored.overdueCallbacks);
        queuedJobs.labels('true').set(stored.jobsDue);
        queuedJobs.labels('false').set(stored.jobs - stored.jobsDue);
      }
      redisScrape.set(stored === null ? 0 : 1);
      return register.metrics();
    },
  };
}
