import { InvalidInputError, type ValidationIssue } from '@app/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads a request's query string, collecting an issue per bad parameter (field `query:<name>`),
 * so that one 400 names every bad field: call `orThrow()` after reading them all.
 */
export class QueryParams {
  readonly issues: ValidationIssue[] = [];

  constructor(private readonly query: Readonly<Record<string, unknown>>) {}

  /** The parameter as given, undefined when absent; a repeated parameter is an issue. */
  text(name: string, options: { required?: boolean; maxLength?: number } = {}): string | undefined {
    const value = this.query[name];
    if (value === undefined || value === '') {
      if (options.required) this.issue(name, 'is required');
      return undefined;
    }
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

  /** An ISO 8601 time with a date; `fallback` when absent, or when invalid (after recording the issue). */
  time(name: string): Date | undefined;
  time(name: string, fallback: Date): Date;
  time(name: string, fallback?: Date): Date | undefined {
    const value = this.text(name);
    if (value === undefined) return fallback;
    const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(time.getTime())) {
      this.issue(name, 'must be an ISO 8601 time, e.g. 2026-11-24T10:00:00Z');
      return fallback;
    }
    return time;
  }

  uuid(name: string): string | undefined {
    const value = this.text(name);
    if (value !== undefined && !UUID.test(value)) return this.issue(name, 'must be a UUID');
    return value;
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
