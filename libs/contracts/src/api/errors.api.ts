import type { ValidationIssue } from '../validation';

/** The body of every 4xx/5xx answer of every HTTP API. */
export interface ErrorResponse {
  error: string;
  message: string;
  issues?: ValidationIssue[];
}
