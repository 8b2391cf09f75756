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

export function httpStatusOf(code: ApiErrorCode): number {
  switch (code) {
    case 'unauthorized':
    case 'link_used':
    case 'link_expired':
    case 'link_revoked':
    case 'session_expired':
    case 'session_revoked':
      return 401;
    case 'forbidden':
    case 'read_only':
      return 403;
    case 'not_found':
    case 'expired':
      return 404;
    case 'validation_failed':
    case 'invalid_text':
      return 422;
    case 'invalid_json':
    case 'reserved_event_type':
      return 400;
    case 'payload_too_large':
      return 413;
    case 'conflict':
      return 409;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
  }
}

/** gRPC status codes (google.rpc.Code), kept here so the mapping stays next to the HTTP one. */
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

export function grpcStatusOf(code: ApiErrorCode): number {
  switch (code) {
    case 'unauthorized':
    case 'link_used':
    case 'link_expired':
    case 'link_revoked':
    case 'session_expired':
    case 'session_revoked':
      return GrpcStatus.UNAUTHENTICATED;
    case 'forbidden':
    case 'read_only':
      return GrpcStatus.PERMISSION_DENIED;
    case 'not_found':
    case 'expired':
      return GrpcStatus.NOT_FOUND;
    case 'validation_failed':
    case 'invalid_text':
    case 'invalid_json':
    case 'reserved_event_type':
      return GrpcStatus.INVALID_ARGUMENT;
    case 'payload_too_large':
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 'conflict':
      return GrpcStatus.ALREADY_EXISTS;
    case 'unavailable':
      return GrpcStatus.UNAVAILABLE;
    case 'internal':
      return GrpcStatus.INTERNAL;
  }
}

/**
 * What a 503 asks the client to wait (`Retry-After`, in seconds): the pool connects again on the
 * next request after the server is back, so a short wait is enough.
 */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export const notFound = (what: string, id: string): ApiError =>
  new ApiError('not_found', `${what} ${id} not found`);
