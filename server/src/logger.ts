import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config';
import { redactedErr } from './log-redaction';

export type { Logger };

export type LoggerOptions = Pick<Config, 'logLevel'> & Partial<Pick<Config, 'logFormat' | 'instanceName'>>;

/**
 * JSON lines for machines (journald, Docker, a log shipper: ISO times and level
 * names, not epoch milliseconds and numbers), or pino-pretty's coloured lines
 * for people: `LOG_FORMAT`, or by default pretty exactly when stdout is a terminal.
 * `destination` is for tests and the bench.
 */
export function createLogger(config: LoggerOptions, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service: 'appointease', ...(config.instanceName ? { instance: config.instanceName } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Customer emails and tokens must never reach the logs in clear; errors
    // (mysql2's carry the SQL with its values) are scrubbed by their serializer.
    serializers: { err: redactedErr },
    redact: { paths: ['req.headers.authorization', '*.email', '*.lockToken', '*.sessionToken', '*.token'], censor: '[redacted]' },
  };
  if (config.logLevel === 'silent') return pino(options);
  const usePretty = config.logFormat === 'pretty' || (config.logFormat === undefined && !destination && process.stdout.isTTY === true);
  if (usePretty) return pino(options, prettyStream(destination));
  return pino(options, destination ?? logDestination(1));
}

/**
 * Where JSON lines go in production (stdout, fd 1) and in the lock bench
 * (/dev/null): asynchronous and buffered. One access line per request must
 * not cost a write(2) per request: on this 2-core VM each write handed to
 * libuv's thread pool cost a thread wake-up and a completion callback, about
 * a quarter of a hold's CPU at one client in `npm run bench -- locks`. Lines
 * are written once 4 KB are waiting (~20 access lines) or every 250 ms,
 * whichever comes first; pino flushes the rest synchronously at exit.
 */
export function logDestination(dest: number | string): DestinationStream {
  return pino.destination({ dest, sync: false, minLength: 4096, periodicFlush: 250 });
}

/** pino-pretty in this process (no worker thread), access lines as `GET /route 200 3.1 ms`. */
function prettyStream(destination?: DestinationStream): DestinationStream {
  return pretty({
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,method,route,status,ms',
    singleLine: true,
    messageFormat: (log, messageKey) =>
      log.route === undefined ? String(log[messageKey] ?? '') : `${log.method} ${log.route} ${log.status} ${log.ms} ms`,
    ...(destination ? { destination } : {}),
  });
}
