/** A report for a period, read through the records reader (src/callbacks/reader.ts) and computed by report.ts. */
import type { RecordsReader } from '../callbacks/reader.js';
import { periodOf, today, type Period } from './period.js';
import { computeReport, type Report } from './report.js';

export async function buildReport(reader: Pick<RecordsReader, 'callsStartedBetween' | 'callbacksCreatedBetween'>, period: Period, now: number): Promise<Report> {
  const [calls, callbacks] = await Promise.all([
    reader.callsStartedBetween(period.start, period.end),
    reader.callbacksCreatedBetween(period.start, period.end),
  ]);
  return computeReport({ period, calls, callbacks, now });
}

/** Which days a request asks for; each may be absent. */
export interface PeriodRequest {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/**
 * The period a request means, in `zone` at `now`: nothing given is today; only `from` is from
 * then until today; only `to` is that one day.
 * @throws NevermissError NM_USAGE for a date that can't be read, or a period backwards or too long.
 */
export function requestedPeriod(request: PeriodRequest, zone: string, now: number): Period {
  const current = today(zone, now);
  const from = request.from ?? request.to ?? current;
  const to = request.to ?? (from > current ? from : current);
  return periodOf(from, to, zone);
}
