/**
 * The local spool: where a record goes when Redis can't take it in time, so that a caller is
 * still promised a callback and nothing is lost. An append-only file of JSON lines
 * (spool-format.ts) in the data directory; every append is fsync'd before it resolves, so a
 * promise made after `append` survives a crash of the process or the machine.
 *
 * Replay applies the entries in file order and stops at the first failure (Redis still gone);
 * then the replayed prefix is dropped by writing the rest to a new file and renaming it over the
 * old one (atomic). A crash in the middle of a replay leaves the old file, whose entries are
 * replayed again: every apply is idempotent by call id, so that changes nothing.
 *
 * One process per data directory: a lock file holds the owner's pid.
 */
import { open, mkdir, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, NevermissError, describeError } from '../errors.js';
import { encodeEntry, parseSpool, callIdOf, type SpoolEntry, type SpoolEntryKind } from './spool-format.js';

export const SPOOL_FILE = 'spool.jsonl';
/** Lines of the spool that could not be read, set aside with the time they were found. */
export const UNREADABLE_FILE = 'spool.unreadable.jsonl';
const LOCK_FILE = 'spool.lock';

export interface SpoolStats {
  /** Entries waiting to be replayed. */
  readonly depth: number;
  /** When the oldest of them was spooled (ms), or null when empty. */
  readonly oldestAt: number | null;
}

export type ReplayResult =
  | { readonly kind: 'done'; readonly replayed: number }
  | { readonly kind: 'stopped'; readonly replayed: number; readonly left: number; readonly at: SpoolEntry; readonly error: unknown }
  /** Another replay was running; this call waited for it. */
  | { readonly kind: 'busy' };

/** What was found when the spool was opened after an unclean stop. */
export interface SpoolRecovery {
  readonly entries: number;
  /** Bytes of a torn last line that were dropped (0 when the file ended cleanly). */
  readonly tornBytes: number;
  /** Lines that did not read, moved to spool.unreadable.jsonl. */
  readonly unreadable: number;
}

export interface Spool {
  readonly file: string;
  readonly recovery: SpoolRecovery;
  /** Appends and fsyncs; resolves only once the entry is on disk. Errors: NM_SPOOL. */
  append(entry: SpoolEntry): Promise<void>;
  /** Whether an entry of this kind for this call waits in the spool. */
  holds(kind: SpoolEntryKind, callId: string): boolean;
  stats(): SpoolStats;
  /** Applies the waiting entries in order until one fails, then drops the applied ones from the file. */
  replay(apply: (entry: SpoolEntry) => Promise<void>): Promise<ReplayResult>;
  /** Waits for appends in flight and releases the directory. */
  close(): Promise<void>;
}

interface Held {
  readonly seq: number;
  readonly entry: SpoolEntry;
  readonly line: string;
}

/**
 * Opens (or creates) the spool in `directory`, creating the folder if needed.
 * Errors: NM_SPOOL when the folder can't be created or written, or another process uses it.
 */
export async function openSpool(directory: string, now: () => number = Date.now): Promise<Spool> {
  const file = join(directory, SPOOL_FILE);
  const temp = `${file}.tmp`;
  const failed = (what: string, err: unknown): NevermissError =>
    new NevermissError(
      ErrorCodes.SPOOL,
      `could not ${what} in the data directory "${directory}": ${describeError(err)}; set data.directory to a folder this process can write`,
      { directory },
      { cause: err },
    );

  await mkdir(directory, { recursive: true }).catch((err: unknown) => {
    throw failed('create the folder', err);
  });
  await lock(directory).catch((err: unknown) => {
    throw isSpoolError(err) ? err : failed('take the lock file', err);
  });
  // A rewrite that a crash interrupted before its rename: the spool file itself is still whole.
  await rm(temp, { force: true });

  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw failed('read the spool file', err);
  });
  const parsed = parseSpool(text);
  let seq = 0;
  let held: Held[] = parsed.entries.map(({ entry, line }) => ({ seq: ++seq, entry, line }));
  if (parsed.unreadable.length > 0) {
    const found = new Date(now()).toISOString();
    const lines = parsed.unreadable.map((line) => `${JSON.stringify({ found, line })}\n`).join('');
    await writeFile(join(directory, UNREADABLE_FILE), lines, { flag: 'a' }).catch((err: unknown) => {
      throw failed('set unreadable spool lines aside', err);
    });
  }
  if (parsed.needsRewrite) await rewrite(file, temp, held).catch((err: unknown) => {
    throw failed('repair the spool file', err);
  });

  // Proves now, at start, that the folder takes writes; each append opens the file again, so a
  // folder that went away or turned read-only later fails that append instead of writing nowhere.
  await open(file, 'a')
    .then((handle) => handle.close())
    .then(() => syncDirectory(directory))
    .catch((err: unknown) => {
      throw failed('open the spool file for writing', err);
    });

  /** Appends and rewrites run one at a time, in order. */
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };
  let replaying: Promise<ReplayResult> | null = null;
  let closed = false;

  async function append(entry: SpoolEntry): Promise<void> {
    const line = encodeEntry(entry);
    await serial(async () => {
      if (closed) throw new NevermissError(ErrorCodes.SPOOL, `the spool "${file}" is closed; the service is stopping`);
      let handle: FileHandle | undefined;
      let size: number | null = null;
      try {
        handle = await open(file, 'a');
        size = (await handle.stat()).size;
        await handle.write(line);
        await handle.datasync();
      } catch (err) {
        // Leave no partial line for the next append to be glued to.
        if (size !== null) await handle?.truncate(size).catch(() => undefined);
        throw new NevermissError(
          ErrorCodes.SPOOL,
          `could not write to the spool file "${file}": ${describeError(err)}; check the disk and data.directory`,
          { file },
          { cause: err },
        );
      } finally {
        await handle?.close().catch(() => undefined);
      }
      held.push({ seq: ++seq, entry, line });
    });
  }

  async function drain(apply: (entry: SpoolEntry) => Promise<void>): Promise<ReplayResult> {
    const snapshot = held.slice();
    let through = 0;
    let replayed = 0;
    let stop: { at: SpoolEntry; error: unknown } | null = null;
    for (const item of snapshot) {
      try {
        await apply(item.entry);
      } catch (error) {
        stop = { at: item.entry, error };
        break;
      }
      through = item.seq;
      replayed += 1;
    }
    if (replayed > 0) {
      await serial(async () => {
        const rest = held.filter((item) => item.seq > through);
        await rewrite(file, temp, rest);
        await syncDirectory(directory);
        held = rest;
      }).catch(() => {
        // The old file stays; its replayed entries are applied again next time (idempotent).
      });
    }
    return stop === null
      ? { kind: 'done', replayed }
      : { kind: 'stopped', replayed, left: snapshot.length - replayed, at: stop.at, error: stop.error };
  }

  return {
    file,
    recovery: { entries: parsed.entries.length, tornBytes: parsed.torn === null ? 0 : Buffer.byteLength(parsed.torn), unreadable: parsed.unreadable.length },
    append,
    holds: (kind, callId) => held.some((item) => item.entry.kind === kind && callIdOf(item.entry) === callId),
    stats: () => ({ depth: held.length, oldestAt: held[0]?.entry.spooledAt ?? null }),
    async replay(apply) {
      if (replaying) {
        await replaying;
        return { kind: 'busy' };
      }
      replaying = drain(apply).finally(() => (replaying = null));
      return replaying;
    },
    async close() {
      await replaying?.catch(() => undefined);
      await serial(async () => {
        closed = true;
        await rm(join(directory, LOCK_FILE), { force: true });
      });
    },
  };
}

/** Writes `items` to a new file, fsyncs it and renames it over `file` (a crash leaves one or the other, whole). */
async function rewrite(file: string, temp: string, items: ReadonlyArray<{ readonly line: string }>): Promise<void> {
  const out = await open(temp, 'w');
  try {
    await out.write(items.map((item) => item.line).join(''));
    await out.sync();
  } finally {
    await out.close();
  }
  await rename(temp, file);
}

async function syncDirectory(directory: string): Promise<void> {
  const dir = await open(directory, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** One process per data directory: a second one would replay and rewrite the same file. */
async function lock(directory: string): Promise<void> {
  const path = join(directory, LOCK_FILE);
  const mine = String(process.pid);
  try {
    await writeFile(path, mine, { flag: 'wx' });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = Number((await readFile(path, 'utf8')).trim());
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
    throw new NevermissError(
      ErrorCodes.SPOOL,
      `the data directory "${directory}" is in use by another nevermiss (pid ${holder}); give each instance its own data.directory`,
      { directory, pid: holder },
    );
  }
  // Left by a process that is gone (or by this pid in an earlier life, as in a container).
  await writeFile(path, mine);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isSpoolError(err: unknown): err is NevermissError {
  return err instanceof NevermissError && err.code === ErrorCodes.SPOOL;
}
