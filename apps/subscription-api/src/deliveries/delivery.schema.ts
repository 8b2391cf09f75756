import { Type, type Static } from '@sinclair/typebox';
import { DELIVERY_ORIGINS, DELIVERY_STATUSES } from '@herald/domain';
import { ref } from '../common/openapi-builder';
import { dateTime } from '../common/field-schemas';
import { Nullable } from '../common/request-schema';

/** The shape of a delivery on the wire: what the delivery log, dead letters and events answer. */

const time = (description: string) => Nullable(dateTime(description));
const oneOf = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: values, ...(description ? { description } : {}) });

export const deliveryFields = {
  id: Type.String({ example: 'dlv_01hz…' }),
  webhook_id: Type.String({
    example: 'dlv_01hz…',
    description:
      'The `webhook-id` header it is sent with: its own `id`, or for a retry, redrive or recover (origin `retry`) the `webhook_id` of the delivery it resends, so receivers that de-duplicate on it recognise the message.',
  }),
  subscription_id: Type.String(),
  event_id: Type.String(),
  event_type: Type.String({ example: 'meter_data.received' }),
  origin: oneOf(
    DELIVERY_ORIGINS,
    '`event`: the event’s first flow; `replay`, `test`; `retry`: a retry, redrive or recover.',
  ),
  status: oneOf(DELIVERY_STATUSES),
  attempts: Type.Integer({ minimum: 0, description: 'Attempts made so far.' }),
  next_attempt_at: time('When the next attempt is due, while `retrying`.'),
  last_attempt_at: time('When the last attempt started.'),
  created_at: dateTime(),
  updated_at: dateTime(),
};

export const DeliverySchema = Type.Object(deliveryFields);

export const DeliveryAttemptSchema = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  started_at: dateTime(),
  duration_ms: Type.Integer({ minimum: 0 }),
  outcome: oneOf(['succeeded', 'failed']),
  status_code: Nullable(Type.Integer({ description: 'The receiver’s HTTP status.' })),
  error_class: Type.Unsafe<'retryable' | 'permanent' | 'ours' | null>({
    type: ['string', 'null'],
    enum: ['retryable', 'permanent', 'ours', null],
    description: 'Why it failed, which decided what happened next.',
  }),
  error_message: Nullable(Type.String()),
  response_excerpt: Nullable(
    Type.String({
      description:
        'The start of the receiver’s answer: 4 KiB, or up to 64 KiB while the subscription has ' +
        '`debug` on.',
    }),
  ),
  request_body: Type.Optional(
    Type.String({
      description:
        'The request body as sent (up to 64 KiB); present only on attempts made while the ' +
        'subscription had `debug` on.',
    }),
  ),
});

export const DeliveryDetailSchema = Type.Object({
  ...deliveryFields,
  attempts: Type.Array(Type.Unsafe<Static<typeof DeliveryAttemptSchema>>(ref('DeliveryAttempt')), {
    description: 'Every attempt, in order.',
  }),
  redriven_at: time(
    'When this failed or dead delivery was last sent again as a new delivery (a retry, ' +
      'redrive or recover); null if never.',
  ),
});
