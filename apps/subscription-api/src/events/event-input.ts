import {
  isJsonObject,
  isReservedEventType,
  isValidEventTypeGlob,
  newId,
  validateInboundEvent,
  type EventData,
  type JsonObject,
} from '@herald/domain';
import { isEventCursor, type EventFilter, type EventPageRequest } from '@herald/persistence';
import { assertValid, BodyReader } from '../common/body-reader';
import { pageRequest } from '../common/pagination';
import { ApiError } from '../errors/api-error';

/** An envelope ready for `herald.events.inbound`: its id and tenant filled in, as compact JSON. */
export interface InboundEnvelope {
  id: string;
  type: string;
  data: EventData;
  bytes: Buffer;
}

export interface InboundRequest {
  body: unknown;
  /** The `Idempotency-Key` header, if sent. */
  idempotencyKey: string | undefined;
  /** The `Content-Length` header, if sent (body-parser has checked it against the bytes read). */
  contentLength: string | undefined;
  /** What errors call the idempotency key: the header over REST, the request field over gRPC. */
  idempotencyKeyField?: string;
}

const invalid = (field: string, message: string): ApiError =>
  new ApiError('validation_failed', `request is invalid: ${field} ${message}`, [
    { field, message },
  ]);

function tooLarge(size: number, maxBytes: number): ApiError {
  return new ApiError(
    'payload_too_large',
    `event is ${size} bytes, larger than the limit of ${maxBytes} bytes`,
  );
}

/** Whether a string may be an event id: the envelope's own `id` rule, checked by the same validator. */
function isValidEventId(id: string): boolean {
  return validateInboundEvent({ id, tenant_id: 't', type: 't', data: {} }).ok;
}

/**
 * Validates a `POST /v1/events` body with the same validator event-ingest uses for Kafka, then fills
 * in the tenant (the caller's) and the id (the envelope's, else the Idempotency-Key, else a new one).
 * Both the body as sent and the envelope as produced must fit in `maxBytes`, so ingest never
 * refuses for size an event this API accepted.
 */
export function readInboundEvent(
  request: InboundRequest,
  tenantId: string,
  maxBytes: number,
): InboundEnvelope {
  const sentBytes = request.contentLength === undefined ? NaN : Number(request.contentLength);
  if (sentBytes > maxBytes) throw tooLarge(sentBytes, maxBytes);
  if (!isJsonObject(request.body)) throw invalid('body', 'must be a JSON object');
  const body: JsonObject = request.body;

  const parsed = validateInboundEvent({ ...body, tenant_id: body.tenant_id ?? tenantId });
  if (!parsed.ok) {
    const field = parsed.error.field ?? 'body';
    throw invalid(field, parsed.error.message.replace(`${field} `, ''));
  }
  const event = parsed.value;
  if (event.tenantId !== tenantId) {
    throw invalid('tenant_id', 'must be the tenant of the API key, or be left out');
  }
  if (isReservedEventType(event.type)) {
    const message = "is reserved: event types starting with herald. are Herald's own";
    throw new ApiError('reserved_event_type', `type ${event.type} ${message}`, [
      { field: 'type', message },
    ]);
  }
  const key = request.idempotencyKey;
  if (key !== undefined && !isValidEventId(key)) {
    throw invalid(
      request.idempotencyKeyField ?? 'Idempotency-Key',
      'must be 1-200 characters of letters, digits, _ . : -',
    );
  }

  const id = event.id ?? key ?? newId('evt');
  const bytes = Buffer.from(
    JSON.stringify({
      id,
      tenant_id: tenantId,
      type: event.type,
      occurred_at: event.occurredAt,
      subject: event.subject,
      changed_fields: event.changedFields,
      data: event.data,
    }),
  );
  if (bytes.length > maxBytes) throw tooLarge(bytes.length, maxBytes);
  return { id, type: event.type, data: event.data, bytes };
}

export type EventListQuery = Record<string, unknown>;

const LIST_PARAMETERS = ['type', 'since', 'until', 'limit', 'cursor'];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function single(query: EventListQuery, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name, 'must be given once');
  return value;
}

function time(query: EventListQuery, name: string): string | null {
  const value = single(query, name);
  if (value === undefined) return null;
  if (!ISO_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw invalid(name, 'must be an ISO 8601 time with a zone, e.g. 2024-05-02T12:31:26Z');
  }
  return new Date(value).toISOString();
}

/**
 * `GET /v1/events` parameters: `type` (an event type or a glob such as `meter_data.*`), `since`
 * (inclusive) and `until` (exclusive) over the received time, `limit` and `cursor`. Unknown
 * parameters are refused, so a misspelt filter does not silently list everything.
 */
export function readEventListQuery(query: EventListQuery): {
  filter: EventFilter;
  page: EventPageRequest;
} {
  for (const name of Object.keys(query)) {
    if (!LIST_PARAMETERS.includes(name)) throw invalid(name, 'is not a known parameter');
  }
  const type = single(query, 'type') ?? null;
  if (type !== null && !isValidEventTypeGlob(type)) {
    throw invalid('type', 'is not an event type or glob such as meter_data.* or *');
  }
  const since = time(query, 'since');
  const until = time(query, 'until');
  if (since !== null && until !== null && until <= since) {
    throw invalid('until', 'must be later than since');
  }
  const { limit } = pageRequest({ limit: single(query, 'limit') });
  const cursor = single(query, 'cursor');
  let after: string | null = null;
  if (cursor !== undefined) {
    after = Buffer.from(cursor, 'base64url').toString('utf8');
    if (!isEventCursor(after)) throw invalid('cursor', 'is not a cursor this API returned');
  }
  return { filter: { type, since, until }, page: { after, limit } };
}

/**
 * `POST /v1/events/{id}/replay` body: `{subscription_ids?}`; without it (or null), every subscription
 * that matches the event now. Ids are kept as sent, so problems can name their position.
 */
export function readReplay(body: unknown): { subscriptionIds: string[] | null } {
  const reader = new BodyReader(body ?? {});
  const ids = reader.stringList('subscription_ids', { max: 100 });
  if (ids !== undefined && ids !== null && ids.length === 0) {
    reader.problem('subscription_ids', 'must not be empty; leave it out to replay to every match');
  }
  reader.onlyKnown(['subscription_ids']);
  assertValid(reader);
  return { subscriptionIds: ids ?? null };
}
