/** winston, configured once: JSON lines for machines, readable text on a terminal. */
import winston from 'winston';

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
  // winston types its built-in transports apart from the TransportStream class it expects.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  return winston.createLogger({ level: settings.level, format, transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })] });
}
