import { Type } from '@sinclair/typebox';
import { DESTINATION_TYPES } from '@herald/domain';
import { EVENT_TYPE_PATTERN, ref } from '../common/openapi-builder';
import { timeField } from '../common/iso-time';
import { Nullable, PROBLEM } from '../common/request-schema';

/** The shapes of a subscription's actions (preview, test, recover) on the wire. */

export const TestDeliveryBody = Type.Object(
  {
    event_type: Type.Optional(
      Nullable(
        Type.String({
          maxLength: 200,
          pattern: EVENT_TYPE_PATTERN,
          [PROBLEM]: { pattern: 'must be dot-separated words, e.g. meter_data.received' },
          description:
            'Without it (and without `data`): the first of the subscription’s event types, in their ' +
            'order, with an example in the catalog (a glob’s matches in name order, archived types ' +
            'skipped); with no example anywhere, `herald.test`.',
        }),
      ),
    ),
    data: Type.Optional(
      Type.Unsafe<unknown>({
        type: ['object', 'array', 'string', 'number', 'boolean', 'null'],
        description:
          'The test event’s payload: any JSON value, as an event’s. Null or left out: the first ' +
          'example of the event type in the catalog, or `{}` when it has none.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const TestDeliveryResultSchema = Type.Object({
  delivery: Type.Unsafe(ref('Delivery')),
  attempt: Type.Unsafe({
    oneOf: [ref('DeliveryAttempt'), { type: 'null' }],
    description: 'The first attempt; null while it is still under way (202).',
  }),
});

export const RecoverBody = Type.Object(
  { since: timeField('Deliveries created at or after this time; not in the future.') },
  { additionalProperties: false },
);

export const RecoverResultSchema = Type.Object({ recovered: Type.Integer({ minimum: 0 }) });

export const PreviewedEventSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  occurred_at: Type.String({ format: 'date-time' }),
  subject: Nullable(Type.String()),
  changed_fields: Nullable(Type.Array(Type.String())),
  data: Type.Unknown({ description: 'The event’s whole data, before `payload_fields`.' }),
});

export const SubscriptionPreviewSchema = Type.Object({
  would_deliver: Type.Boolean({
    description: 'Whether the subscription would get the event now.',
  }),
  reasons: Type.Array(Type.String(), {
    description:
      'Why not, one per failing check (paused, disabled, event_types, filter, trigger fields); empty when it would.',
  }),
  destination_type: Type.Unsafe<string>({ type: 'string', enum: DESTINATION_TYPES }),
  event: Type.Unsafe(ref('PreviewedEvent')),
  delivery_id: Type.String({
    description:
      'An illustrative delivery id (the body and signature use it); a real delivery gets its own.',
  }),
  transformation: Type.Unsafe<'subscription' | 'event_type' | null>({
    type: ['string', 'null'],
    enum: ['subscription', 'event_type', null],
    description: 'Whose transformation shaped the body; null for the standard body.',
  }),
  body: Type.Unknown({
    description: 'The body as JSON; null when the transformation fails on this event.',
  }),
  raw_body: Nullable(
    Type.String({ description: 'The exact bytes that would be sent and signed.' }),
  ),
  headers: Nullable(
    Type.Record(Type.String(), Type.String(), {
      description:
        'A webhook’s headers: its own (values masked), content type, user agent and the Standard ' +
        'Webhooks signature over `raw_body` with the subscription’s current secrets. Null for ' +
        'email and SQS, and when there is no body.',
    }),
  ),
  error: Nullable(
    Type.String({
      description:
        'Why the transformation gives no body for this event: the delivery would be dead-lettered with it.',
    }),
  ),
});
