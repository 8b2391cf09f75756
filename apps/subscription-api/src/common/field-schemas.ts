import { Type } from '@sinclair/typebox';
import { MAX_TRANSFORMATION_LENGTH, Transformation, type JsonObject } from '@herald/domain';
import { Nullable, PROBLEM, type BodyCheck } from './request-schema';

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
        'is dead-lettered with the reason. Evaluation is bounded: 200,000 steps, 300 levels, 100,000-item ' +
        'sequences, a 256 KiB body. Null: the standard body.',
      example: '{"event_id": event.type, "delivery_id": delivery_id, "payload": event.data}',
    }),
  );

/** A transformation that does not compile is refused with the compiler's error and position. */
export function checkTransformation({
  value,
  problems,
  fits,
}: BodyCheck<{ transformation?: string | null }>): void {
  if (typeof value.transformation !== 'string' || !fits('transformation')) return;
  const compiled = Transformation.compile(value.transformation);
  if (!compiled.ok) problems.push({ field: 'transformation', message: compiled.message });
}

/** Any JSON object, or null (a filter, metadata, an event type's JSON Schema). */
export const nullableObject = (options: { description: string; example?: JsonObject }) =>
  Type.Unsafe<JsonObject | null>({ type: ['object', 'null'], ...options });

/** A list of strings says so when an entry is not one (`trigger_fields`, not `trigger_fields[0]`). */
export const STRING_LIST_PROBLEM = { type: 'must be an array of strings' };

/** What is said of a text that is not an event type or a glob of them (a subscription's, a list's). */
export const GLOB_HINT = 'is not an event type or glob such as meter_data.* or *';

/** A time in an answer (ISO 8601, UTC). */
export const dateTime = (description?: string) =>
  Type.String({ format: 'date-time', ...(description ? { description } : {}) });
