import type { PageRequest } from '@herald/persistence';
import { assertNoProblems } from '../common/body-reader';
import { bodyValidator } from '../common/request-schema';
import { RedriveBody } from './dead-letter.schema';
import { QueryReader, type Query } from '../common/query-reader';
import type { RedriveRange } from '../deliveries';
import { checkTime } from '../common/iso-time';

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

const readBody = bodyValidator(RedriveBody);

/**
 * `POST /v1/dead-letters/redrive`: either explicit `ids`, or a range of `subscription_id`, `since`
 * and `until` (at least one); an unselective redrive of everything is refused.
 */
export function readRedrive(body: unknown): RedriveSelector {
  const checked = readBody(body);
  const { value, problems, fits } = checked;
  const since = checkTime(checked, 'since');
  const until = checkTime(checked, 'until');
  if (since && until && until.getTime() <= since.getTime()) {
    problems.push({ field: 'until', message: 'must be later than since' });
  }
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
      since: since ?? undefined,
      until: until ?? undefined,
    },
  };
}
