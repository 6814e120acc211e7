/**
 * A winston transport that writes its lines to stderr in batches: the lines logged within a few
 * milliseconds go out in one write. A call logs half a dozen lines, and each write to a pipe or
 * the journal's socket is a system call that costs more than formatting the line
 * (docs/decisions/0027). At most `FLUSH_AFTER_MS` late; on exit (normal, a signal handled by
 * main.ts, or an uncaught exception) what is pending is written before the process ends, and
 * only a kill -9 can lose the last few milliseconds of lines.
 */
import TransportStream from 'winston-transport';

const MESSAGE = Symbol.for('message');
/** The longest a line waits for others to share its write. */
const FLUSH_AFTER_MS = 5;
/** A batch this large goes out at once. */
const FLUSH_AT_BYTES = 64 * 1024;

/** Every batching transport of the process, flushed by one exit hook. */
const live = new Set<BatchedStderr>();
let exitHooked = false;

export class BatchedStderr extends TransportStream {
  private pending: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly out: (text: string) => void;

  constructor(options: TransportStream.TransportStreamOptions & { readonly write?: (text: string) => void } = {}) {
    super(options);
    this.out = options.write ?? ((text) => void process.stderr.write(text));
    live.add(this);
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', () => {
        for (const transport of live) transport.flush();
      });
    }
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const line = `${String(info[MESSAGE])}\n`;
    this.pending.push(line);
    this.bytes += line.length;
    if (this.bytes >= FLUSH_AT_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
    next();
  }

  /** Writes what is pending now (stderr on a pipe or a file is written synchronously by Node). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.bytes = 0;
    this.out(text);
  }

  override close(): void {
    this.flush();
    live.delete(this);
  }
}
