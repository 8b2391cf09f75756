import { Type } from '@sinclair/typebox';
import { DELIVERY_STATUSES, type DeliveryStatus } from '@herald/domain';
import type { DeliveryFilter, PageRequest } from '@herald/persistence';
import { assertNoProblems } from '../common/body-reader';
import { checkTimeRange } from '../common/iso-time';
import {
  checkCursor,
  queryCursor,
  queryLimit,
  queryText,
  queryTime,
  queryValidator,
  queryWord,
  type Query,
} from '../common/query-schema';

/** The most rows one CSV export answers with; the rest follow the `X-Next-Cursor` / `Link` header. */
export const CSV_MAX_ROWS = 10_000;

export interface DeliveryListRequest {
  filter: DeliveryFilter;
  page: PageRequest;
  format: 'json' | 'csv';
}

/** Query parameters shared with the dead-letter list. */
export const createdRange = {
  since: queryTime('Created at or after this ISO 8601 time (with a zone).'),
  until: queryTime('Created before this ISO 8601 time (with a zone); later than `since`.'),
};

const STATUSES = DELIVERY_STATUSES.join('|');

/** `GET /v1/deliveries` parameters; a page holds at most `maxLimit` (CSV batches are larger). */
const deliveryListQuery = (maxLimit: number) =>
  Type.Object(
    {
      subscription_id: queryText({
        maxLength: 200,
        description: 'Only deliveries to this subscription.',
      }),
      event_id: queryText({ maxLength: 200, description: 'Only deliveries of this event.' }),
      status: queryText({
        maxLength: 200,
        pattern: `^\\s*(${STATUSES})\\s*(,\\s*(${STATUSES})\\s*)*$`,
        example: 'dead',
        problem: {
          pattern: `must be one or more of ${DELIVERY_STATUSES.join(', ')}, comma-separated`,
        },
        description: 'One status, or several separated by commas (`failed,dead`).',
      }),
      ...createdRange,
      q: queryText({
        maxLength: 200,
        description:
          'Case-insensitive text found in the delivery id, the event id, the event type, or the ' +
          'error message or response excerpt of the delivery’s last attempt.',
      }),
      format: queryWord(['json', 'csv'], {
        default: 'json',
        description:
          '`json` (default) or `csv`. CSV answers at most ' +
          `${CSV_MAX_ROWS} rows (\`limit\` may ask for fewer) with a header row; when more ` +
          'match, the `X-Next-Cursor` header holds the cursor of the next batch and `Link` its ' +
          'URL (`rel="next"`).',
      }),
      limit: queryLimit(
        maxLimit,
        `Page size: 1 to 100 (default 20); with \`format=csv\`, 1 to ${CSV_MAX_ROWS} (default ${CSV_MAX_ROWS}).`,
      ),
      cursor: queryCursor,
    },
    { additionalProperties: false },
  );

/** The parameters as the document states them: `limit` up to a CSV batch. */
export const DeliveryListQuery = deliveryListQuery(CSV_MAX_ROWS);

const readPage = queryValidator(deliveryListQuery(100));
const readCsvBatch = queryValidator(DeliveryListQuery);

/** Validates `GET /v1/deliveries` parameters, naming every bad one. */
export function readDeliveryListQuery(query: Query): DeliveryListRequest {
  const format = query.format === 'csv' ? 'csv' : 'json';
  const checked = (format === 'csv' ? readCsvBatch : readPage)(query);
  const { value, problems } = checked;
  const range = checkTimeRange(checked);
  const after = checkCursor(checked);
  assertNoProblems(problems);
  const statuses = value.status?.split(',').map((status) => status.trim() as DeliveryStatus);
  return {
    filter: {
      subscriptionId: value.subscription_id,
      eventId: value.event_id,
      statuses: statuses && [...new Set(statuses)],
      ...range,
      text: value.q,
    },
    page: { after, limit: value.limit ?? (format === 'csv' ? CSV_MAX_ROWS : 20) },
    format,
  };
}

/** The same request with the next page's cursor, as a relative URL for a `Link: rel="next"` header. */
export function nextPageUrl(path: string, query: Query, cursor: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (name !== 'cursor' && typeof value === 'string') params.set(name, value);
  }
  params.set('cursor', cursor);
  return `${path}?${params.toString()}`;
}
