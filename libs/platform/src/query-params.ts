import { InvalidInputError, canonicalUuid, isDateTime, isFullDate, isUuid, type ValidationIssue } from '@app/contracts';

/** Query times: from the Unix epoch (nothing is recorded before it) to the last year RFC 3339 can write. */
const EARLIEST_TIME = Date.UTC(1970, 0, 1);
const LATEST_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Reads a request's query string, collecting an issue per bad parameter (field `query:<name>`),
 * so that one 400 names every bad field: call `orThrow()` after reading them all.
 */
export class QueryParams {
  readonly issues: ValidationIssue[] = [];

  constructor(private readonly query: Readonly<Record<string, unknown>>) {}

  /**
   * The parameter as given, undefined when absent; a repeated parameter is an issue, and so is an
   * empty one (`?workflowId=` is more likely a client's bug than a wish for no filter).
   */
  text(name: string, options: { required?: boolean; maxLength?: number } = {}): string | undefined {
    const value = this.query[name];
    if (value === undefined) {
      if (options.required) this.issue(name, 'is required');
      return undefined;
    }
    if (value === '') return this.issue(name, 'must not be empty');
    if (typeof value !== 'string') return this.issue(name, 'must be given once');
    const maxLength = options.maxLength ?? 256;
    if (value.length > maxLength) return this.issue(name, `must be at most ${maxLength} characters`);
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], options: { required?: boolean } = {}): T | undefined {
    const value = this.text(name, options);
    if (value === undefined) return undefined;
    if (!allowed.includes(value as T)) return this.issue(name, `must be one of ${allowed.join(', ')}`);
    return value as T;
  }

  integer(name: string, range: { min: number; max: number; fallback: number }): number {
    const value = this.text(name);
    if (value === undefined) return range.fallback;
    const number = Number(value);
    if (!/^-?\d+$/.test(value) || number < range.min || number > range.max) {
      this.issue(name, `must be an integer from ${range.min} to ${range.max}`);
      return range.fallback;
    }
    return number;
  }

  /**
   * An RFC 3339 time with an offset, or a date (midnight UTC), from 1970 to 9999; `fallback` when
   * absent, or when invalid (after recording the issue).
   */
  time(name: string): Date | undefined;
  time(name: string, fallback: Date): Date;
  time(name: string, fallback?: Date): Date | undefined {
    const value = this.text(name);
    if (value === undefined) return fallback;
    // An offset is required: a time without one would be read in the server's time zone.
    if (!isDateTime(value) && !isFullDate(value)) {
      this.issue(name, 'must be an RFC 3339 time with an offset, e.g. 2026-11-24T10:00:00Z, or a date (midnight UTC)');
      return fallback;
    }
    const time = new Date(value);
    if (time.getTime() < EARLIEST_TIME || time.getTime() > LATEST_TIME) {
      this.issue(name, 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z');
      return fallback;
    }
    return time;
  }

  /** A UUID, in the lowercase form ids are stored in (some columns compare them as text). */
  uuid(name: string): string | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if (!isUuid(value)) return this.issue(name, 'must be a UUID');
    return canonicalUuid(value);
  }

  /** Records an issue of `name` (also for checks across parameters, such as from < to). */
  issue(name: string, reason: string): undefined {
    this.issues.push({ field: `query:${name}`, reason });
    return undefined;
  }

  /** Throws InvalidInputError (400) naming every bad parameter, if any. */
  orThrow(): void {
    if (this.issues.length === 0) return;
    const message = this.issues.map((issue) => `${issue.field} ${issue.reason}`).join('; ');
    throw new InvalidInputError('invalid_query', message, this.issues);
  }
}
