import type { ValidationIssue } from '../validation';

/** The body of every 4xx/5xx answer of every HTTP API. */
export interface ErrorResponse {
  error: string;
  message: string;
  issues?: ValidationIssue[];
  /** For conflicts (409): why, e.g. the failing test cases of a workflow that may not go live. */
  details?: unknown;
}
