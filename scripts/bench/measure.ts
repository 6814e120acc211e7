/** What the benchmark reads off the machine: CPU time of a process, Asterisk's pid, percentiles, load. */
import { readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';

/** Where scripts/sandbox.sh keeps the chroot (NEVERMISS_SANDBOX_DIR overrides it there too). */
const SANDBOX_DIR = process.env['NEVERMISS_SANDBOX_DIR'] ?? '/var/cache/nevermiss/asterisk-22';
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux for x86 and arm). */
const TICKS_PER_SECOND = 100;

/** User + system CPU time of a process so far (all its threads), in ms; 10 ms resolution. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command (which may hold spaces) in parentheses: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/**
 * Read- and write-like system calls of a process so far (syscr + syscw of /proc/<pid>/io, all its
 * threads): each request, response, event and log line is at least one, and on a virtual machine
 * each costs more than most of the work around it. Exact counts, unlike CPU time.
 */
export function ioCalls(pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? Number.NaN);
  return field('syscr') + field('syscw');
}

/** The pid of the sandbox's Asterisk (the process named asterisk whose root is the chroot). */
export function asteriskPid(): number {
  const root = realpathSync(SANDBOX_DIR);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'asterisk') continue;
      if (readlinkSync(`/proc/${entry}/root`) === root) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  throw new Error(`no Asterisk runs in ${SANDBOX_DIR}: start it with scripts/sandbox.sh start`);
}

/** The p-th percentile (0-100) of values, nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** The machine's load average over the last minute. */
export function oneMinuteLoad(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** The machine's load averages (1, 5, 15 minutes) and its CPUs, for the record. */
export function machineLoad(): string {
  const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ');
  const cpus = readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((line) => line.startsWith('processor')).length;
  return `load ${one} ${five} ${fifteen} on ${cpus} CPUs`;
}
