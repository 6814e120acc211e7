/** Loading the Lua scripts of ./lua onto an ioredis connection, and Redis failures as coded errors. */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { ErrorCodes, NevermissError, describeError } from '../errors.js';

export type Script = (...args: string[]) => Promise<unknown>;

/**
 * Loads `lua/<file>.lua` once and registers it on the connection (EVALSHA, falling back to EVAL).
 * `file` is named verb + key count (`closeCallback-4`); the count is the script's number of KEYS.
 */
export function defineScript(redis: Redis, file: string): Script {
  const match = /^(.+)-(\d+)$/.exec(file);
  if (!match?.[1] || !match[2]) throw new Error(`Lua script names end in their key count, like "closeCallback-4"; got "${file}"`);
  const name = `nevermiss_${match[1]}`;
  redis.defineCommand(name, { numberOfKeys: Number(match[2]), lua: readFileSync(new URL(`./lua/${file}.lua`, import.meta.url), 'utf8') });
  const command = (redis as unknown as Record<string, Script | undefined>)[name];
  if (!command) throw new Error(`ioredis did not register the script ${file}`);
  return (...args) => guardRedis(`run ${file}`, command.apply(redis, args));
}

/** Runs a Redis request; a failure becomes NM_REDIS naming what was being done. */
export async function guardRedis<T>(what: string, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw new NevermissError(ErrorCodes.REDIS, `Redis failed to ${what}: ${describeError(err)}`, {}, { cause: err });
  }
}

/** A flat [field, value, field, value, ...] reply (HGETALL inside a script) as an object. */
export function fieldsFromPairs(pairs: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(pairs)) return fields;
  for (let i = 0; i + 1 < pairs.length; i += 2) fields[String(pairs[i])] = String(pairs[i + 1]);
  return fields;
}
