import type { DeliveryFilter, PageRequest } from '@herald/persistence';
import { QueryReader, type Query } from '../common/query-reader';

/** The most rows one CSV export answers with; the rest follow the `X-Next-Cursor` / `Link` header. */
export const CSV_MAX_ROWS = 10_000;

export interface DeliveryListRequest {
  filter: DeliveryFilter;
  page: PageRequest;
  format: 'json' | 'csv';
}

const PARAMETERS = [
  'subscription_id',
  'event_id',
  'status',
  'since',
  'until',
  'q',
  'format',
  'limit',
  'cursor',
];

/** Validates `GET /v1/deliveries` parameters, naming every bad one. */
export function readDeliveryListQuery(query: Query): DeliveryListRequest {
  const reader = new QueryReader(query);
  const format = reader.oneOf('format', ['json', 'csv'] as const) ?? 'json';
  const filter: DeliveryFilter = {
    subscriptionId: reader.string('subscription_id', 200),
    eventId: reader.string('event_id', 200),
    statuses: reader.statuses('status'),
    ...reader.timeRange(),
    text: reader.string('q', 200),
  };
  const page = format === 'csv' ? reader.page(CSV_MAX_ROWS, CSV_MAX_ROWS) : reader.page();
  reader.onlyKnown(PARAMETERS);
  reader.assertValid();
  return { filter, page, format };
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
