import type { PageRequest } from '@herald/persistence';
import { assertValid, BodyReader } from '../common/body-reader';
import { QueryReader, type Query } from '../common/query-reader';
import type { RedriveRange } from '../deliveries';
import { readTime } from '../common/iso-time';

/** The most dead letters one redrive sends; a range redrive past it answers `has_more: true`. */
export const REDRIVE_MAX = 1000;

export type RedriveSelector = { ids: string[] } | { range: RedriveRange };

export interface DeadLetterListRequest {
  range: RedriveRange;
  includeRedriven: boolean;
  page: PageRequest;
}

/** `GET /v1/dead-letters` parameters. */
export function readDeadLetterListQuery(query: Query): DeadLetterListRequest {
  const reader = new QueryReader(query);
  const range: RedriveRange = {
    subscriptionId: reader.string('subscription_id', 200),
    ...reader.timeRange(),
  };
  const includeRedriven = reader.boolean('include_redriven') ?? false;
  const page = reader.page();
  reader.onlyKnown(['subscription_id', 'since', 'until', 'include_redriven', 'limit', 'cursor']);
  reader.assertValid();
  return { range, includeRedriven, page };
}

/**
 * `POST /v1/dead-letters/redrive`: either explicit `ids`, or a range of `subscription_id`, `since`
 * and `until` (at least one); an unselective redrive of everything is refused.
 */
export function readRedrive(body: unknown): RedriveSelector {
  const reader = new BodyReader(body);
  const ids = reader.stringList('ids', { max: REDRIVE_MAX });
  const subscriptionId = reader.string('subscription_id', { max: 200 });
  const since = readTime(reader, 'since', false);
  const until = readTime(reader, 'until', false);
  if (since && until && until.getTime() <= since.getTime()) {
    reader.problem('until', 'must be later than since');
  }
  reader.onlyKnown(['ids', 'subscription_id', 'since', 'until']);
  // Null is left out: `{subscription_id: null}` must not select every dead letter.
  const hasRange = ['subscription_id', 'since', 'until'].some((field) => reader.given(field));
  if (ids !== undefined && ids !== null && hasRange) {
    reader.problem('ids', 'cannot be combined with subscription_id, since or until');
  } else if (ids !== undefined && ids !== null && ids.length === 0) {
    reader.problem('ids', 'must not be empty');
  } else if ((ids === undefined || ids === null) && !hasRange) {
    reader.problem('ids', 'is required unless subscription_id, since or until selects a range');
  }
  assertValid(reader);
  if (ids) return { ids: [...new Set(ids)] };
  return {
    range: {
      subscriptionId,
      since: since ?? undefined,
      until: until ?? undefined,
    },
  };
}
