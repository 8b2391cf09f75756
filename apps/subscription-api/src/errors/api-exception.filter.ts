import {
  Catch,
  HttpException,
  Injectable,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import {
  ApiError,
  grpcStatusOf,
  httpStatusOf,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
  type ApiErrorCode,
} from './api-error';
import { unavailableDependency, type Dependency } from './unavailable-dependency';
import { JsonLogger } from '@herald/observability';

function fromHttpException(exception: HttpException): ApiError {
  const status = exception.getStatus();
  const code: ApiErrorCode =
    status === 404
      ? 'not_found'
      : status === 413
        ? 'payload_too_large'
        : status === 400
          ? 'invalid_json'
          : status === 401
            ? 'unauthorized'
            : status === 403
              ? 'forbidden'
              : status < 500
                ? 'validation_failed'
                : 'internal';
  const message = status === 400 ? 'request body is not valid JSON' : exception.message;
  return new ApiError(code, message);
}

/** body-parser's errors (too large, bad encoding, bad JSON) are the client's and carry their status. */
function isBodyParserError(
  exception: unknown,
): exception is { status: number; message: string; type: string } {
  const candidate = exception as { status?: unknown; type?: unknown } | null;
  return (
    typeof candidate?.status === 'number' &&
    typeof candidate.type === 'string' &&
    candidate.type.startsWith('entity.')
  );
}

/** A body refused by our own check of its bytes (not UTF-8) says so; other parser errors keep theirs. */
function fromBodyParser(exception: { status: number; message: string; type: string }): ApiError {
  return exception.type === 'entity.verify.failed'
    ? new ApiError('invalid_json', exception.message)
    : fromHttpException(new HttpException(exception.message, exception.status));
}

const DEPENDENCY_NAMES: Record<Dependency, string> = { postgres: 'PostgreSQL', kafka: 'Kafka' };

/** An error that is none of ours: the 503 of a dependency that is away, or else a 500. */
function fromUnknown(exception: unknown, logger: JsonLogger): ApiError {
  const dependency = unavailableDependency(exception);
  if (dependency === null) return new ApiError('internal', 'internal error');
  logger.event('warn', 'request failed: dependency unavailable', {
    dependency,
    error: exception instanceof Error ? exception.message : String(exception),
  });
  return new ApiError(
    'unavailable',
    `${DEPENDENCY_NAMES[dependency]} is unavailable; try again shortly`,
  );
}

/**
 * Every error leaves the API as `{error: {code, message, details}}` with the status its code maps
 * to: over REST the HTTP status, over gRPC the gRPC status with that body as JSON in the message.
 */
@Catch()
@Injectable()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    const error =
      exception instanceof ApiError
        ? exception
        : exception instanceof HttpException
          ? fromHttpException(exception)
          : isBodyParserError(exception)
            ? fromBodyParser(exception)
            : fromUnknown(exception, this.logger);
    if (error.code === 'internal') {
      this.logger.event('error', 'request failed', {
        error: exception instanceof Error ? exception.message : String(exception),
        stack: exception instanceof Error ? exception.stack : undefined,
      });
    }
    const body = { error: { code: error.code, message: error.message, details: error.details } };
    if (host.getType() === 'rpc') {
      return throwError(() => ({ code: grpcStatusOf(error.code), message: JSON.stringify(body) }));
    }
    const response = host.switchToHttp().getResponse<Response>();
    if (error.code === 'unavailable') {
      response.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    }
    response.status(httpStatusOf(error.code)).json(body);
  }
}
