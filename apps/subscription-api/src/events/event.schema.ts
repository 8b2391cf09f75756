import { Type, type Static } from '@sinclair/typebox';
import { EVENT_TYPE_GLOB, type EventData } from '@herald/domain';
import { EVENT_TYPE_PATTERN, ref } from '../common/openapi-builder';
import { dateTime, GLOB_HINT, STRING_LIST_PROBLEM } from '../common/field-schemas';
import { pageQuery, queryText, queryTime } from '../common/query-schema';
import { Nullable, PROBLEM } from '../common/request-schema';
import { DeliverySchema } from '../deliveries';

/** The shape of an event on the wire: what producers send, and what the event log answers. */

export const EVENT_ID_PATTERN = '^[A-Za-z0-9_.:-]{1,200}$';

/** An event's payload: any JSON value but null (issue 13: Openvolt's readings are a list). */
const eventData = Type.Unsafe<EventData>({
  type: ['object', 'array', 'string', 'number', 'boolean'],
  description:
    'The payload: any JSON value but null — an object, a list (such as Openvolt’s ' +
    '`[{meter_id, start_interval, end_interval}, …]`), a string, a number or a boolean. Filter and ' +
    '`payload_fields` paths look in every element of a list; a string, number or boolean has no ' +
    'fields (paths with keys find nothing in it, and it is delivered whole).',
  example: [
    {
      meter_id: 'm-1',
      start_interval: '2024-05-02T12:00:00Z',
      end_interval: '2024-05-02T12:30:00Z',
    },
  ],
});

/**
 * The envelope as the document states it. `POST /v1/events` checks it with ingest's own validator
 * (`validateInboundEvent`), which measured faster than this schema compiled by ajv on that path.
 */
export const InboundEventSchema = Type.Object(
  {
    id: Type.Optional(
      Nullable(
        Type.String({
          pattern: EVENT_ID_PATTERN,
          description:
            'The producer’s id and idempotency key: the same id twice in a tenant is one event. ' +
            'Without it, the Idempotency-Key header is the id, else Herald assigns `evt_…`.',
        }),
      ),
    ),
    tenant_id: Type.Optional(
      Nullable(
        Type.String({
          minLength: 1,
          maxLength: 100,
          description: 'Optional; when given it must be the tenant of the API key (else 422).',
        }),
      ),
    ),
    type: Type.String({
      maxLength: 200,
      pattern: EVENT_TYPE_PATTERN,
      not: { pattern: '^herald\\.' },
      example: 'meter_data.received',
      description:
        'Types starting with `herald.` are reserved for Herald’s operational events (400 `reserved_event_type`).',
    }),
    occurred_at: Type.Optional(
      Type.Unsafe<string | null>({
        oneOf: [dateTime(), { type: 'null' }],
        description: 'ISO 8601 with a zone; defaults to the time ingest receives it.',
      }),
    ),
    subject: Type.Optional(
      Nullable(Type.String({ maxLength: 1000, example: 'node/42/source/inv-1' })),
    ),
    changed_fields: Type.Optional(
      Nullable(Type.Array(Type.String(), { example: ['project.address'] })),
    ),
    data: eventData,
  },
  {
    description:
      'The envelope Kafka producers send to `herald.events.inbound`. Its compact JSON, with `id` and ' +
      '`tenant_id` filled in, must fit in HERALD_MAX_EVENT_BYTES.',
  },
);

export const AcceptedEventSchema = Type.Object({
  id: Type.String(),
  status: Type.Literal('accepted'),
});

const summaryFields = {
  id: Type.String({ example: 'evt_01hz…' }),
  type: Type.String({ example: 'meter_data.received' }),
  occurred_at: dateTime(),
  received_at: dateTime(),
  subject: Nullable(Type.String({ example: 'node/42/source/inv-1' })),
  changed_fields: Nullable(Type.Array(Type.String())),
};

export const EventSummarySchema = Type.Object(summaryFields);

/** A delivery as its event lists it: who it went to and how it went, without the event's own ids. */
export const EventDeliverySchema = Type.Omit(DeliverySchema, [
  'event_id',
  'event_type',
  'updated_at',
]);

export const EventSchema = Type.Object({
  ...summaryFields,
  data: eventData,
  failure: Nullable(
    Type.Object(
      {
        code: Type.String({ example: 'unprocessable' }),
        message: Type.String(),
        failed_at: dateTime(),
      },
      {
        description:
          'Why Herald could not match the accepted event (it is parked in herald.events.invalid; ' +
          'its deliveries not yet sent are dead, and a redrive sends them); null normally.',
      },
    ),
  ),
  deliveries: Type.Array(Type.Unsafe<Static<typeof EventDeliverySchema>>(ref('EventDelivery')), {
    description: 'Every delivery of the event, oldest first: its first flow, replays, retries.',
  }),
});

export const ReplayBody = Type.Object(
  {
    subscription_ids: Type.Optional(
      Nullable(
        Type.Array(Type.String(), {
          minItems: 1,
          maxItems: 100,
          [PROBLEM]: {
            ...STRING_LIST_PROBLEM,
            minItems: 'must not be empty; leave it out to replay to every match',
          },
          description:
            'Replay only to these subscriptions (each must be the tenant’s and enabled), whatever ' +
            'their event types. Left out: every subscription that matches the event now.',
        }),
      ),
    ),
  },
  { additionalProperties: false },
);
export type ReplayBody = Static<typeof ReplayBody>;

export const ReplayResultSchema = Type.Object({
  deliveries: Type.Array(Type.Unsafe(ref('EventDelivery'))),
});

/** `GET /v1/events` parameters. */
export const EventListQuery = Type.Object(
  {
    type: queryText({
      maxLength: 200,
      pattern: EVENT_TYPE_GLOB.source,
      problem: { minLength: GLOB_HINT, maxLength: GLOB_HINT, pattern: GLOB_HINT },
      description:
        'An event type, or a glob as in subscriptions: `*` matches within one dot-separated ' +
        'segment, `**` across segments, a lone `*` everything (`meter_data.*`, `*.created`).',
    }),
    since: queryTime('Received at or after this ISO 8601 time (with a zone).'),
    until: queryTime('Received before this ISO 8601 time (with a zone).'),
    ...pageQuery,
  },
  { additionalProperties: false },
);
