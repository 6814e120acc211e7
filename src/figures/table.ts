/** The report as text for a terminal (`nevermiss report`); the JSON (`--json`, GET /api/report) is the report itself. */
import type { Duration, Report } from './report.js';

export function formatReport(report: Report): string[] {
  const { period, calls, callbacks } = report;
  const lines: string[] = [];
  const row = (label: string, value: string | number, note = ''): void => {
    lines.push(`  ${label.padEnd(26)}${String(value).padStart(6)}${note === '' ? '' : `  ${note}`}`);
  };
  const title = period.from === period.to ? period.from : `${period.from} to ${period.to}`;
  lines.push(`nevermiss report, ${title} (${period.timezone})`, '');

  lines.push('Calls');
  row('total', calls.total);
  row('answered', calls.answered, percentOf(calls.answered, calls.total));
  row('missed', calls.missed, percentOf(calls.missed, calls.total));
  row('blocked', calls.blocked);
  const outcomes = Object.entries(calls.outcomes).filter(([, count]) => count > 0);
  if (outcomes.length > 0) lines.push(`  outcomes: ${outcomes.map(([kind, count]) => `${kind} ${count}`).join(', ')}`);
  lines.push(`  time to answer: ${describeDuration(calls.timeToAnswer)}`);
  if (calls.answeredBy.length > 0) {
    lines.push('', 'Answered by');
    lines.push(...table(['PERSON', 'PHONE', 'STEP', 'CALLS'], calls.answeredBy.map((e) => [e.person, e.phone, e.step === null ? '?' : `hunt[${e.step}]`, String(e.calls)])));
  }

  lines.push('', 'Callbacks (promised in the period)');
  row('promised', callbacks.created);
  row('kept within the promise', callbacks.kept);
  row('reached late', callbacks.late);
  row('failed (not reached)', callbacks.failed);
  row('cancelled', callbacks.cancelled);
  row('open, not yet due', callbacks.open);
  row('overdue', callbacks.overdue);
  const due = callbacks.kept + callbacks.late + callbacks.failed + callbacks.overdue;
  lines.push(
    callbacks.keptShare === null
      ? '  promises kept: none due yet'
      : `  promises kept: ${(callbacks.keptShare * 100).toFixed(1)}% (${callbacks.kept} of ${due} due or settled)`,
  );
  const via = Object.entries(callbacks.reachedVia).filter(([, count]) => count > 0);
  if (via.length > 0) lines.push(`  reached via: ${via.map(([how, count]) => `${how} ${count}`).join(', ')}`);
  lines.push(`  time to call back: ${describeDuration(callbacks.timeToCallBack)}`);
  if (callbacks.longestOpenWaitSeconds !== null) lines.push(`  longest wait of an open callback: ${humanSeconds(callbacks.longestOpenWaitSeconds)}`);

  lines.push('', 'Per day');
  lines.push(...table(['DATE', 'CALLS', 'ANSWERED', 'MISSED', 'CALLBACKS', 'KEPT'], report.perDay.map((d) => [d.date, ...[d.calls, d.answered, d.missed, d.callbacks, d.kept].map(String)])));
  const busy = report.perHour.filter((hour) => hour.calls > 0);
  if (report.perDay.length === 1 && busy.length > 0) {
    lines.push('', 'Per hour (hours with calls)');
    lines.push(...table(['HOUR', 'CALLS', 'ANSWERED', 'MISSED'], busy.map((h) => [h.start.slice(11, 16) + h.start.slice(23), ...[h.calls, h.answered, h.missed].map(String)])));
  }
  return lines;
}

function describeDuration(duration: Duration): string {
  if (duration.count === 0 || duration.medianSeconds === null || duration.worstSeconds === null) return 'none yet';
  return `median ${humanSeconds(duration.medianSeconds)}, worst ${humanSeconds(duration.worstSeconds)} (of ${duration.count})`;
}

/** 42 -> "42 s", 432 -> "7 min 12 s", 3900 -> "1 h 5 min". */
export function humanSeconds(total: number): string {
  if (total < 60) return `${Math.round(total * 10) / 10} s`;
  const whole = Math.round(total);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = whole % 60;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return secs > 0 ? `${minutes} min ${secs} s` : `${minutes} min`;
}

function percentOf(part: number, whole: number): string {
  return whole === 0 ? '' : `(${Math.round((part / whole) * 100)}%)`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [header, ...rows].map((r) => `  ${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')}`.trimEnd());
}
