import { QueryFailedError } from 'typeorm';

/** SQLSTATE 54000, program_limit_exceeded: raised for an index entry too large ("index row size … exceeds maximum"). */
const PROGRAM_LIMIT_EXCEEDED = '54000';

/**
 * Whether PostgreSQL refused a statement for the data in it: SQLSTATE class 22, "data exception"
 * (a value out of its type's range, a character the encoding cannot hold…), or a value too large
 * for an index. The same data fails the same way on every retry.
 */
export function isDataException(error: unknown): error is QueryFailedError {
  if (!(error instanceof QueryFailedError)) return false;
  const code: unknown = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code === PROGRAM_LIMIT_EXCEEDED);
}
