import type { EventData } from '@herald/domain';
import { assertNoProblems } from '../common/body-reader';
import { checkTime } from '../common/iso-time';
import { bodyValidator } from '../common/request-schema';
import { RecoverBody, TestDeliveryBody } from './subscription-actions.schema';

export const TEST_EVENT_TYPE = 'herald.test';

const readTest = bodyValidator(TestDeliveryBody);
const readRecoverBody = bodyValidator(RecoverBody);

/** What a test send asks for; null where the request leaves it to Herald. */
export interface TestDeliveryInput {
  eventType: string | null;
  /** Any JSON value, as an event's; null: an example from the catalog, else `{}`. */
  data: EventData | null;
}

/**
 * `POST /v1/subscriptions/{id}/test` `{event_type?, data?}`: `data` is any JSON value, as an event's
 * is; left out or null, the type's example from the catalog, or `{}` when there is none.
 */
export function readTestDelivery(body: unknown): TestDeliveryInput {
  const { value, problems } = readTest(body ?? {});
  assertNoProblems(problems);
  return {
    eventType: value.event_type ?? null,
    data: (value.data as EventData | undefined) ?? null,
  };
}

/** `POST /v1/subscriptions/{id}/recover` `{since}`: a time, not in the future. */
export function readRecover(body: unknown, now: Date = new Date()): { since: Date } {
  const checked = readRecoverBody(body);
  const since = checkTime(checked, 'since');
  if (since && since.getTime() > now.getTime()) {
    checked.problems.push({ field: 'since', message: 'must not be in the future' });
  }
  assertNoProblems(checked.problems);
  return { since: since ?? now };
}
