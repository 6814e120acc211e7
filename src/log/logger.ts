/** winston, configured once: JSON lines for machines, readable text on a terminal. */
import winston from 'winston';

export interface LogSettings {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly format: 'auto' | 'json' | 'text';
}

export function createLogger(settings: LogSettings, stream: NodeJS.WriteStream = process.stderr): winston.Logger {
  const text = settings.format === 'text' || (settings.format === 'auto' && stream.isTTY);
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
  return winston.createLogger({ level: settings.level, format, transports: [new winston.transports.Stream({ stream })] });
}
