/** winston, configured once: JSON lines for machines, readable text on a terminal. */
import winston from 'winston';
import { BatchedStderr } from './batched-stderr.js';

export interface LogSettings {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly format: 'auto' | 'json' | 'text';
}

/** Logs go to stderr, so command output on stdout stays clean. */
export function createLogger(settings: LogSettings): winston.Logger {
  const text = settings.format === 'text' || (settings.format === 'auto' && process.stderr.isTTY);
  const format = text
    ? winston.format.combine(
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.colorize(),
        winston.format.printf(({ timestamp, level, message, ...meta }) => {
          const fields = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
          return `${String(timestamp)} ${level} ${String(message)}${fields}`;
        }),
      )
    : winston.format.combine(winston.format.timestamp(), winston.format.json());
  // The rule can't follow winston's types to winston-transport's class, which BatchedStderr extends.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  return winston.createLogger({ level: settings.level, format, transports: [new BatchedStderr()] });
}
