/**
 * Durations as people write them: "500ms", "20s", "10m", "1h", "1m30s".
 *
 * Units run from the largest to the smallest, each at most once, in whole numbers, so a value
 * reads only one way. A bare number is not a duration: 20 of what?
 */
export const DURATION_PATTERN = /^(?=\d)(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

const MS_PER_HOUR = 3_600_000;
const MS_PER_MINUTE = 60_000;
const MS_PER_SECOND = 1_000;

/** Milliseconds; NaN when the text is not a duration, as with `Number("x")`. */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  if (match === null) return Number.NaN;
  const [, hours = '0', minutes = '0', seconds = '0', millis = '0'] = match;
  return (
    Number(hours) * MS_PER_HOUR +
    Number(minutes) * MS_PER_MINUTE +
    Number(seconds) * MS_PER_SECOND +
    Number(millis)
  );
}

/** The shortest text `parseDuration` reads back as `ms`: 90_000 -> "1m30s", 0 -> "0s". */
export function formatDuration(ms: number): string {
  const parts: [number, string][] = [
    [Math.floor(ms / MS_PER_HOUR), 'h'],
    [Math.floor((ms % MS_PER_HOUR) / MS_PER_MINUTE), 'm'],
    [Math.floor((ms % MS_PER_MINUTE) / MS_PER_SECOND), 's'],
    [ms % MS_PER_SECOND, 'ms'],
  ];
  const text = parts
    .filter(([amount]) => amount > 0)
    .map(([amount, unit]) => `${amount}${unit}`)
    .join('');
  return text === '' ? '0s' : text;
}
