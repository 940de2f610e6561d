/** The parts of an execution its failure cause is read from. */
export interface FailedExecution {
  status: string;
  attempts: readonly { statusCode?: number; error?: string }[];
}

/**
 * Why an execution failed, as a small closed set of causes (so error rates can be grouped by it):
 * `http_<code>` when the last attempt got an answer, `timeout` when it timed out, `connection`
 * for any other error before an answer, `not_attempted` when it failed without an attempt.
 * Null for executions that did not fail.
 */
export function failureCause(execution: FailedExecution): string | null {
  if (execution.status !== 'failed') return null;
  const last = execution.attempts[execution.attempts.length - 1];
  if (!last) return 'not_attempted';
  if (last.statusCode !== undefined) return `http_${last.statusCode}`;
  if (last.error !== undefined && /timed out/i.test(last.error)) return 'timeout';
  return 'connection';
}
