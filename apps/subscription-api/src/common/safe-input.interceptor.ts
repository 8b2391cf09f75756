import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { findUnsafeJson, MAX_JSON_DEPTH, type UnsafeJson } from '@herald/domain';
import { ApiError } from '../errors/api-error';

/**
 * gRPC requests arrive as protobuf objects, where one JSON level (a Struct's field, a Value, a
 * nested Struct) takes three: the JSON limit itself is checked again once Structs become JSON.
 */
const RPC_DEPTH = 3 * MAX_JSON_DEPTH + 8;

function refuse(problem: UnsafeJson, where: string): ApiError {
  const field = problem.path || where;
  const message = problem.message.startsWith(problem.path)
    ? problem.message.slice(problem.path.length).trim()
    : problem.message;
  // The Kafka path parks the same text as `invalid_text`; nesting too deep is a validation failure.
  const code = problem.kind === 'too_deep' ? 'validation_failed' : 'invalid_text';
  return new ApiError(code, `request is invalid: ${field} ${message}`, [{ field, message }]);
}

/**
 * Refuses, before any route sees it, input that PostgreSQL, JSON or Kafka cannot take: a NUL or an
 * unpaired surrogate in any string or key of the body, query or path (422 `invalid_text`), or JSON
 * nested too deep (422 `validation_failed`). One check at the door for every route, REST and gRPC,
 * instead of a 500 from wherever it would break.
 */
@Injectable()
export class SafeInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'rpc') {
      const problem = findUnsafeJson(context.switchToRpc().getData(), '', RPC_DEPTH);
      if (problem) throw refuse(problem, 'request');
      return next.handle();
    }
    const request = context.switchToHttp().getRequest<Request>();
    const parts: [unknown, string][] = [
      [request.params, 'path'],
      [request.query, 'query'],
      [request.body, 'body'],
    ];
    for (const [value, where] of parts) {
      const problem = findUnsafeJson(value);
      if (problem) throw refuse(problem, where);
    }
    return next.handle();
  }
}
