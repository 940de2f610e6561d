import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/** Paths whose values never reach a log line. */
const REDACTED_PATHS = [
  'signingSecret',
  '*.signingSecret',
  '*.*.signingSecret',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'apiKey',
  '*.apiKey',
  'databaseUrl',
  'DATABASE_URL',
  'DECISION_PROVIDER_API_KEY',
  'ADMIN_API_TOKEN',
  // A failed SQL statement's bound values (TypeORM's QueryFailedError), which may be the
  // signing secrets or header values it was writing, and what PostgreSQL quotes of them in its
  // error (`where`: "JSON data, line 1: …" around a bad character; `detail`: "Key (…)=(…)"),
  // copied by TypeORM onto the error and kept on its driverError; the statement itself stays.
  'err.parameters',
  'err.where',
  'err.detail',
  'err.driverError.where',
  'err.driverError.detail',
];

/** Structured JSON logs on stdout (or `destination`), one object per line, with the service name on each. */
export function createLogger(service: string, level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Lets Nest's own messages (module init, routes, exceptions) go through the same pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
