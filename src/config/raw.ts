import type { z } from 'zod';

/**
 * Reading the raw document, which may be any shape at all: the checks that relate entries to one
 * another run even when the file is otherwise invalid, so they read it through these.
 */

export function isMap(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function fieldOf(value: unknown, key: string): unknown {
  return isMap(value) ? value[key] : undefined;
}

export function entriesOf(value: unknown): [string, unknown][] {
  return isMap(value) ? Object.entries(value) : [];
}

export function itemsOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The value of a key that passes `schema`, `fallback` when the key is absent, else undefined:
 * a value derived from an invalid one would only produce more problems about the same mistake.
 */
export function validOrDefault<T>(value: unknown, schema: z.ZodType<T>, fallback: T | undefined): T | undefined {
  if (value === undefined) return fallback;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
