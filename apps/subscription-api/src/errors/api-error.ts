export type ApiErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'validation_failed'
  | 'invalid_json'
  | 'payload_too_large'
  | 'conflict'
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
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'validation_failed':
      return 422;
    case 'invalid_json':
      return 400;
    case 'payload_too_large':
      return 413;
    case 'conflict':
      return 409;
    case 'internal':
      return 500;
  }
}

export const notFound = (what: string, id: string): ApiError =>
  new ApiError('not_found', `${what} ${id} not found`);
