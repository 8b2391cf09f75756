import {
  isJsonObject,
  isReservedEventType,
  newId,
  validateInboundEvent,
  type EventData,
  type JsonObject,
} from '@herald/domain';
import { isEventCursor, type EventFilter, type EventPageRequest } from '@herald/persistence';
import { assertNoProblems } from '../common/body-reader';
import { checkTimeRange } from '../common/iso-time';
import { checkCursor, queryValidator, type Query } from '../common/query-schema';
import { bodyValidator } from '../common/request-schema';
import { EventListQuery, ReplayBody } from './event.schema';
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

const readListQuery = queryValidator(EventListQuery);

/**
 * `GET /v1/events` parameters: `type` (an event type or a glob such as `meter_data.*`), `since`
 * (inclusive) and `until` (exclusive) over the received time, `limit` and `cursor`. Unknown
 * parameters are refused, so a misspelt filter does not silently list everything.
 */
export function readEventListQuery(query: Query): {
  filter: EventFilter;
  page: EventPageRequest;
} {
  const checked = readListQuery(query);
  const { since, until } = checkTimeRange(checked);
  const after = checkCursor(checked, isEventCursor);
  assertNoProblems(checked.problems);
  return {
    filter: {
      type: checked.value.type ?? null,
      since: since?.toISOString() ?? null,
      until: until?.toISOString() ?? null,
    },
    page: { after, limit: checked.value.limit ?? 20 },
  };
}

const readReplayBody = bodyValidator(ReplayBody);

/**
 * `POST /v1/events/{id}/replay` body: `{subscription_ids?}`; without it (or null), every subscription
 * that matches the event now. Ids are kept as sent, so problems can name their position.
 */
export function readReplay(body: unknown): { subscriptionIds: string[] | null } {
  const { value, problems } = readReplayBody(body ?? {});
  assertNoProblems(problems);
  return { subscriptionIds: value.subscription_ids ?? null };
}
