import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { JsonLogger } from '@herald/config';
import { ApiError, httpStatusOf, type ApiErrorCode } from './api-error';

const logger = new JsonLogger('subscription-api');

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

/** Every error leaves the API as `{error: {code, message, details}}` with the status its code maps to. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const error =
      exception instanceof ApiError
        ? exception
        : exception instanceof HttpException
          ? fromHttpException(exception)
          : new ApiError('internal', 'internal error');
    if (error.code === 'internal') {
      logger.event('error', 'request failed', {
        error: exception instanceof Error ? exception.message : String(exception),
        stack: exception instanceof Error ? exception.stack : undefined,
      });
    }
    response
      .status(httpStatusOf(error.code))
      .json({ error: { code: error.code, message: error.message, details: error.details } });
  }
}
