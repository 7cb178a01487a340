import pino, { type Logger } from 'pino';
import type { Config } from './config';

export type { Logger };

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'appointease' },
    // Customer emails and tokens must never reach the logs in clear.
    redact: { paths: ['req.headers.authorization', '*.email', '*.lockToken', '*.sessionToken', '*.token'], censor: '[redacted]' },
  });
}
