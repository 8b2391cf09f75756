import type { PageRequest } from '@herald/persistence';
import { assertNoProblems } from '../common/body-reader';
import { bodyValidator } from '../common/request-schema';
import { DeadLetterListQuery, RedriveBody } from './dead-letter.schema';
import { checkCursor, queryValidator, type Query } from '../common/query-schema';
import type { RedriveRange } from '../deliveries';
import { checkTimeRange } from '../common/iso-time';

export type RedriveSelector = { ids: string[] } | { range: RedriveRange };

export interface DeadLetterListRequest {
  range: RedriveRange;
  includeRedriven: boolean;
  page: PageRequest;
}

const readListQuery = queryValidator(DeadLetterListQuery);

/** `GET /v1/dead-letters` parameters. */
export function readDeadLetterListQuery(query: Query): DeadLetterListRequest {
  const checked = readListQuery(query);
  const { value, problems } = checked;
  const range = checkTimeRange(checked);
  const after = checkCursor(checked);
  assertNoProblems(problems);
  return {
    range: { subscriptionId: value.subscription_id, ...range },
    includeRedriven: value.include_redriven ?? false,
    page: { after, limit: value.limit ?? 20 },
  };
}

const readBody = bodyValidator(RedriveBody);

/**
 * `POST /v1/dead-letters/redrive`: either explicit `ids`, or a range of `subscription_id`, `since`
 * and `until` (at least one); an unselective redrive of everything is refused.
 */
export function readRedrive(body: unknown): RedriveSelector {
  const checked = readBody(body);
  const { value, problems, fits } = checked;
  const { since, until } = checkTimeRange(checked);
  // Null is left out: `{subscription_id: null}` must not select every dead letter.
  const hasRange = [value.subscription_id, value.since, value.until].some((field) => field != null);
  // A bad `ids` selects nothing (with no range either, that is said too); an empty one is a list.
  const ids = fits('ids') || value.ids?.length === 0 ? (value.ids ?? null) : null;
  if (ids !== null && hasRange) {
    // Said instead of the list's own problem: giving both is the mistake.
    const own = problems.findIndex((problem) => problem.field === 'ids');
    if (own >= 0) problems.splice(own, 1);
    problems.push({
      field: 'ids',
      message: 'cannot be combined with subscription_id, since or until',
    });
  } else if (ids === null && !hasRange) {
    problems.push({
      field: 'ids',
      message: 'is required unless subscription_id, since or until selects a range',
    });
  }
  assertNoProblems(problems);
  if (ids) return { ids: [...new Set(ids)] };
  return {
    range: {
      subscriptionId: value.subscription_id ?? undefined,
      since,
      until,
    },
  };
}
