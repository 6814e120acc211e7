/** A report for a period, read through the records reader (src/callbacks/reader.ts) and computed by report.ts. */
import type { RecordsReader } from '../callbacks/reader.js';
import type { Period } from './period.js';
import { computeReport, type Report } from './report.js';

export async function buildReport(reader: Pick<RecordsReader, 'callsStartedBetween' | 'callbacksCreatedBetween'>, period: Period, now: number): Promise<Report> {
  const [calls, callbacks] = await Promise.all([
    reader.callsStartedBetween(period.start, period.end),
    reader.callbacksCreatedBetween(period.start, period.end),
  ]);
  return computeReport({ period, calls, callbacks, now });
}
