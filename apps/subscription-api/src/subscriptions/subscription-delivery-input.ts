import { isJsonObject, validateInboundEvent, type EventData } from '@herald/domain';
import { assertValid, BodyReader } from '../common/body-reader';
import { readTime } from '../common/iso-time';

export const TEST_EVENT_TYPE = 'herald.test';

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
  const reader = new BodyReader(body ?? {});
  const eventType = reader.string('event_type', { max: 200 }) ?? null;
  if (
    eventType !== null &&
    !validateInboundEvent({ tenant_id: 't', type: eventType, data: {} }).ok
  ) {
    reader.problem('event_type', 'must be dot-separated words, e.g. meter_data.received');
  }
  const data = (isJsonObject(body) ? body.data : undefined) ?? null;
  reader.onlyKnown(['event_type', 'data']);
  assertValid(reader);
  return { eventType, data };
}

/** `POST /v1/subscriptions/{id}/recover` `{since}`: a time, not in the future. */
export function readRecover(body: unknown, now: Date = new Date()): { since: Date } {
  const reader = new BodyReader(body);
  const since = readTime(reader, 'since', true);
  if (since && since.getTime() > now.getTime())
    reader.problem('since', 'must not be in the future');
  reader.onlyKnown(['since']);
  assertValid(reader);
  return { since: since ?? now };
}
