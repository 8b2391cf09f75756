import type { Page } from '@herald/persistence';

export const NOT_A_CURSOR = 'is not a cursor this API returned';

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
