import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config';

export type { Logger };

/** `destination` defaults to stdout (tests pass a stream to read the lines back). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'appointease' },
    // Customer emails and tokens must never reach the logs in clear.
    redact: { paths: ['req.headers.authorization', '*.email', '*.lockToken', '*.sessionToken', '*.token'], censor: '[redacted]' },
  }, destination);
}
