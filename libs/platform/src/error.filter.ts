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

/** body-parser reports an oversized body with a `type`; say so in our shape. (Bodies are parsed by the contracts.) */
function asBodyParserError(exception: unknown): [number, ErrorResponse] | null {
  if (typeof exception !== 'object' || exception === null || !('type' in exception)) return null;
  const { type, message } = exception as { type: unknown; message?: unknown };
  if (type === 'entity.too.large') return [413, { error: 'too_large', message: String(message) }];
  return null;
}
