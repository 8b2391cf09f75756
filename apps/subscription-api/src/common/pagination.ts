import type { Page, PageRequest } from '@herald/persistence';
import { ApiError } from '../errors/api-error';

export interface ListQuery {
  limit?: string | number;
  cursor?: string;
}

export const NOT_A_CURSOR = 'is not a cursor this API returned';

/** `limit` (1-100, default 20) and an opaque `cursor` taken from the previous page's `next_cursor`. */
export function pageRequest(query: ListQuery): PageRequest {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new ApiError('validation_failed', 'limit must be an integer from 1 to 100', [
      { field: 'limit', message: 'must be an integer from 1 to 100' },
    ]);
  }
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
  if (after === null && query.cursor !== undefined) {
    throw new ApiError('validation_failed', `cursor ${NOT_A_CURSOR}`, [
      { field: 'cursor', message: NOT_A_CURSOR },
    ]);
  }
  return { after, limit };
}

/** A list ordered by id pages after an id (`evt_…`). */
const isIdCursor = (after: string): boolean => /^[a-z]{3}_[0-9a-z]{26}$/.test(after);

/** What a `next_cursor` stands for, or null when it is not one the API returned. */
export function decodeCursor(cursor: string, isCursor = isIdCursor): string | null {
  const after = Buffer.from(cursor, 'base64url').toString('utf8');
  return isCursor(after) ? after : null;
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
