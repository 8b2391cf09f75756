export type ApiErrorCode =
  | 'unauthorized'
  /** Console links (`POST /v1/console-sessions/exchange`): used once already, too old, revoked. */
  | 'link_used'
  | 'link_expired'
  | 'link_revoked'
  /** A console session key that worked once and no longer does. */
  | 'session_expired'
  | 'session_revoked'
  | 'forbidden'
  /** A read-only console session asked to change something. */
  | 'read_only'
  | 'not_found'
  | 'expired'
  | 'validation_failed'
  /** Text Herald cannot store: a NUL character or an unpaired surrogate (as on the Kafka path). */
  | 'invalid_text'
  | 'invalid_json'
  | 'reserved_event_type'
  | 'payload_too_large'
  | 'conflict'
  | 'unavailable'
  | 'internal';

export interface ApiErrorDetail {
  field: string;
  message: string;
}

/** An error the API answers with; its code alone decides the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: ApiErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** gRPC status codes (google.rpc.Code). */
export const GrpcStatus = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** Each code's HTTP and gRPC status, side by side; a code without a row does not compile. */
const STATUSES: Record<ApiErrorCode, { http: number; grpc: number }> = {
  unauthorized: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED },
  link_used: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED },
  link_expired: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED },
  link_revoked: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED },
  session_expired: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED },
  session_revoked: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED },
  forbidden: { http: 403, grpc: GrpcStatus.PERMISSION_DENIED },
  read_only: { http: 403, grpc: GrpcStatus.PERMISSION_DENIED },
  not_found: { http: 404, grpc: GrpcStatus.NOT_FOUND },
  expired: { http: 404, grpc: GrpcStatus.NOT_FOUND },
  validation_failed: { http: 422, grpc: GrpcStatus.INVALID_ARGUMENT },
  invalid_text: { http: 422, grpc: GrpcStatus.INVALID_ARGUMENT },
  invalid_json: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  reserved_event_type: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  payload_too_large: { http: 413, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  conflict: { http: 409, grpc: GrpcStatus.ALREADY_EXISTS },
  unavailable: { http: 503, grpc: GrpcStatus.UNAVAILABLE },
  internal: { http: 500, grpc: GrpcStatus.INTERNAL },
};

export function httpStatusOf(code: ApiErrorCode): number {
  return STATUSES[code].http;
}

export function grpcStatusOf(code: ApiErrorCode): number {
  return STATUSES[code].grpc;
}

/**
 * What a 503 asks the client to wait (`Retry-After`, in seconds): the pool connects again on the
 * next request after the server is back, so a short wait is enough.
 */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export const notFound = (what: string, id: string): ApiError =>
  new ApiError('not_found', `${what} ${id} not found`);
