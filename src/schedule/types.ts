/**
 * Opening hours as data: what the config loader produces and the pure schedule functions read.
 * Times of day are minutes after local midnight in the route's time zone (0..1440).
 */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface TimeRange {
  /** Minutes after local midnight, inclusive. */
  readonly from: number;
  /** Minutes after local midnight, exclusive; 1440 = midnight at the end of the day. */
  readonly to: number;
}

export interface HolidayRule {
  /** ISO 3166-1 alpha-2, e.g. "DK". */
  readonly country: string;
  /** A state or region code as the holiday library knows it, e.g. "BY" for Bavaria. */
  readonly region?: string;
}

export interface OpeningHours {
  /** IANA time zone, e.g. "Europe/Copenhagen". */
  readonly timezone: string;
  /** Open ranges per weekday; a day without ranges is closed. Ranges are sorted and don't overlap. */
  readonly weekly: Readonly<Record<Weekday, readonly TimeRange[]>>;
  /** Public holidays (closed all day), or null for none. */
  readonly holidays: HolidayRule | null;
  /** The firm's own closed days, "YYYY-MM-DD" in the route's time zone. */
  readonly closedDates: readonly string[];
  /** Days with their own hours (replacing the weekly hours and any holiday), "YYYY-MM-DD" -> ranges. */
  readonly specialDates: Readonly<Record<string, readonly TimeRange[]>>;
}
