import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { InvalidInputError, type ErrorResponse } from '@app/contracts';
import { AuthenticationError } from './authentication';

/** Thrown by services when an id does not exist (or belongs to another tenant). */
export class NotFoundError extends Error {
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

/** Thrown when a request cannot be carried out in the resource's current state (409), with the details of why. */
export class ConflictError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

/**
 * Maps domain errors to HTTP at the edge, so that services and consumers never throw HTTP
 * exceptions: invalid input → 400 naming each field, missing or bad credentials → 401, unknown id → 404, a conflict with the
 * resource's state → 409 with its details, anything else → 500.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<Response>();
    const [status, body] = this.toResponse(exception);
    if (status === HttpStatus.UNAUTHORIZED) response.setHeader('WWW-Authenticate', 'Bearer');
    if (status >= 500) this.logger.error({ err: exception }, 'request failed');
    response.status(status).json(body);
  }

  private toResponse(exception: unknown): [number, ErrorResponse] {
    if (exception instanceof InvalidInputError) {
      return [HttpStatus.BAD_REQUEST, { error: exception.code, message: exception.message, issues: exception.issues }];
    }
    if (exception instanceof AuthenticationError) {
      return [HttpStatus.UNAUTHORIZED, { error: 'unauthenticated', message: exception.message }];
    }
    if (exception instanceof NotFoundError) {
      return [HttpStatus.NOT_FOUND, { error: 'not_found', message: exception.message }];
    }
    if (exception instanceof ConflictError) {
      return [HttpStatus.CONFLICT, { error: exception.code, message: exception.message, details: exception.details }];
    }
    const bodyParserError = asBodyParserError(exception);
    if (bodyParserError) return bodyParserError;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return [status, { error: status === 404 ? 'not_found' : 'http_error', message: exception.message }];
    }
    return [HttpStatus.INTERNAL_SERVER_ERROR, { error: 'internal', message: 'internal error' }];
  }
}

/** What body-parser's client errors (`type`) are called in our answers. */
const BODY_ERROR_CODES: Readonly<Record<string, string>> = {
  'entity.too.large': 'too_large',
  'encoding.unsupported': 'unsupported_encoding',
  'charset.unsupported': 'unsupported_charset',
};

/**
 * body-parser refuses a body before any controller sees it (too large, an encoding it cannot
 * decode, a corrupt gzip stream, an aborted upload): an http-errors error with a client status and
 * `expose` set. Said in our shape with that status, never as a 500 (clients retry those).
 */
function asBodyParserError(exception: unknown): [number, ErrorResponse] | null {
  if (typeof exception !== 'object' || exception === null) return null;
  const { type, message, status, expose } = exception as Partial<
    Record<'type' | 'message' | 'status' | 'expose', unknown>
  >;
  if (expose !== true || typeof status !== 'number' || status < 400 || status > 499) return null;
  const code = typeof type === 'string' ? BODY_ERROR_CODES[type] : undefined;
  return [status, { error: code ?? 'invalid_body', message: String(message) }];
}
