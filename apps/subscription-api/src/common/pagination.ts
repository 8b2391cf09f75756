import type { Page, PageRequest } from '@herald/persistence';
import { ApiError } from '../errors/api-error';

export interface ListQuery {
  limit?: string | number;
  cursor?: string;
}

/** `limit` (1-100, default 20) and an opaque `cursor` taken from the previous page's `next_cursor`. */
export function pageRequest(query: ListQuery): PageRequest {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new ApiError('validation_failed', 'limit must be an integer from 1 to 100', [
      { field: 'limit', message: 'must be an integer from 1 to 100' },
    ]);
  }
  let after: string | null = null;
  if (query.cursor !== undefined) {
    after = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!/^[a-z]{3}_[0-9a-z]{26}$/.test(after)) {
      throw new ApiError('validation_failed', 'cursor is not a cursor this API returned', [
        { field: 'cursor', message: 'is not a cursor this API returned' },
      ]);
    }
  }
  return { after, limit };
}

export function pageResponse<T, R>(
  page: Page<T>,
  present: (item: T) => R,
): { data: R[]; next_cursor: string | null } {
  return {
    data: page.data.map(present),
    next_cursor:
      page.nextCursor === null ? null : Buffer.from(page.nextCursor, 'utf8').toString('base64url'),
  };
}
