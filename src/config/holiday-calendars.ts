/**
 * Which public-holiday calendars exist, asked of date-holidays: the library src/schedule uses to
 * find the holidays themselves, so a country accepted here is one it knows.
 */
import Holidays from 'date-holidays';

let calendars: Holidays | undefined;

/** Built once, on first use: loading the data takes a moment and most files name no holidays. */
function holidayCalendars(): Holidays {
  calendars ??= new Holidays();
  return calendars;
}

export function hasHolidayCalendar(country: string): boolean {
  return Object.hasOwn(holidayCalendars().getCountries(), country);
}

/** The region codes of a country's calendar ("BY" for Bavaria); [] when it has none. */
export function holidayRegionsOf(country: string): string[] {
  // Typed as always returning a map, but returns undefined for a country without regions.
  const regions = holidayCalendars().getStates(country) as Record<string, string> | undefined;
  return Object.keys(regions ?? {});
}
