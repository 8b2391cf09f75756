import type { ApiClient, Schemas } from '../api/client';
import { apiProblem, type Problem } from './subscription-problems';

export type EventType = Schemas['EventType'];

/** More types than a catalog page shows is a catalog no one picks from by hand. */
const MAX_PAGES = 20;

/** The whole event type catalog, page by page, in name order. */
export async function loadEventTypes(
  client: ApiClient,
  includeArchived: boolean,
): Promise<{ types: EventType[] } | { problem: Problem }> {
  const types: EventType[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { data, error, response }: Awaited<ReturnType<typeof listPage>> = await listPage(
      client,
      cursor,
      includeArchived,
    );
    if (!data) return { problem: apiProblem(error, response) };
    types.push(...data.data);
    cursor = data.next_cursor;
    if (!cursor) break;
  }
  return { types };
}

function listPage(client: ApiClient, cursor: string | null, includeArchived: boolean) {
  return client.GET('/v1/event-types', {
    params: {
      query: {
        limit: 100,
        include_archived: includeArchived,
        ...(cursor ? { cursor } : {}),
      },
    },
  });
}
