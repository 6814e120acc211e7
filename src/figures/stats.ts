/** Small statistics over durations, without I/O. */

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? 0) + upper) / 2;
}

/** The largest value; null for none. */
export function worst(values: readonly number[]): number | null {
  // reduce, not Math.max(...values): a long list would overflow the call stack.
  return values.length === 0 ? null : values.reduce((a, b) => (b > a ? b : a));
}

/** Milliseconds as seconds with one decimal, for people reading JSON. */
export function seconds(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms / 100) / 10;
}

/** A share with four decimals (0.7368), or null when nothing was counted. */
export function share(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}
