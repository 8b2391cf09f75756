import { Type } from '@sinclair/typebox';
import { MAX_TRANSFORMATION_LENGTH } from '@herald/domain';
import { Nullable, PROBLEM } from './request-schema';

/**
 * A JSONata body transformation, as subscriptions and event types carry it; that it compiles is
 * checked after the schema (`Transformation.compile`).
 */
export const transformationSchema = (description: string) =>
  Nullable(
    Type.String({
      minLength: 1,
      maxLength: MAX_TRANSFORMATION_LENGTH,
      [PROBLEM]: 'must be a string or null',
      description:
        `${description} A [JSONata](https://jsonata.org) expression evaluated for each attempt: its root ` +
        'holds `event` (`id`, `type`, `occurred_at`, `subject`, `changed_fields`, `data` after ' +
        '`payload_fields`), `subscription_id`, `delivery_id`, `attempt` (from 1) and `tenant_id`, and ' +
        'what it returns is the JSON body sent (and signed). One that does not compile, or that uses a ' +
        'regular expression, is refused with 422; one that fails on an event fails that delivery, which ' +
        'is dead-lettered with the reason. Evaluation is bounded: 100 ms, 300 levels, 100,000-item ' +
        'sequences, a 256 KiB body. Null: the standard body.',
      example: '{"event_id": event.type, "delivery_id": delivery_id, "payload": event.data}',
    }),
  );
