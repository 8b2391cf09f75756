import { Type, type Static } from '@sinclair/typebox';
import { EVENT_TYPE_GLOB, MAX_IN_FLIGHT_LIMIT, type JsonObject } from '@herald/domain';
import { ref } from '../common/openapi-builder';
import {
  dateTime,
  GLOB_HINT,
  nullableObject,
  STRING_LIST_PROBLEM,
  transformationSchema,
} from '../common/field-schemas';
import { Nullable, PROBLEM } from '../common/request-schema';

/** The shape of a subscription on the wire: what the API answers, takes and changes. */

/** Trigger and payload fields are dotted paths, `model.*`, or `*`. */
export const FIELD_PATH = /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$/;

const fieldPaths = (description: string) =>
  Nullable(
    Type.Array(
      Type.String({
        pattern: FIELD_PATH.source,
        [PROBLEM]: { pattern: 'must be a dotted path such as project.address, or model.*' },
      }),
      { maxItems: 500, [PROBLEM]: STRING_LIST_PROBLEM, description },
    ),
  );

const ORDERINGS = ['best_effort', 'strict'] as const;

/** Documented here, read by its kind (`readDestination`): each kind names its own problems. */
const destination = Type.Unsafe<JsonObject>(ref('Destination'));

const subscriptionFields = {
  description: Nullable(Type.String({ maxLength: 1000 })),
  enabled: Type.Boolean({ default: true }),
  debug: Type.Boolean({
    default: false,
    description: 'Keep full request and response bodies of attempts.',
  }),
  event_types: Type.Array(
    Type.String({
      maxLength: 200,
      pattern: EVENT_TYPE_GLOB.source,
      [PROBLEM]: { pattern: GLOB_HINT, maxLength: GLOB_HINT },
    }),
    { minItems: 1, maxItems: 100, [PROBLEM]: STRING_LIST_PROBLEM, example: ['meter_data.*'] },
  ),
  destination,
  filter: nullableObject({
    description: 'A predicate over `subject` and `data` paths.',
  }),
  trigger_fields: fieldPaths(
    'Fire only when one of these dotted fields changed; null means the defaults.',
  ),
  payload_fields: fieldPaths('Fields of `data` to deliver; null means the defaults.'),
  ordering: Type.Unsafe<(typeof ORDERINGS)[number]>({
    type: 'string',
    enum: ORDERINGS,
    default: 'best_effort',
    [PROBLEM]: { type: `must be one of ${ORDERINGS.join(', ')}` },
    description:
      '`best_effort`: deliveries start in event order, up to `max_in_flight` at once, and a ' +
      'failed one retries while later ones go on. `strict`: one at a time, and a failing delivery ' +
      'holds the later ones until it succeeds or is dead-lettered.',
  }),
  rate_limit_per_second: Nullable(Type.Integer({ minimum: 1, maximum: 100_000 })),
  max_in_flight: Nullable(
    Type.Integer({
      minimum: 1,
      maximum: MAX_IN_FLIGHT_LIMIT,
      description:
        'Best-effort deliveries of this subscription in flight at once; null for the default, 32. ' +
        'Strict subscriptions always have one.',
    }),
  ),
  metadata: nullableObject({
    description:
      'Your own JSON object (at most 4 KiB), kept with the subscription and readable by its ' +
      'transformation as `metadata`; null clears it to `{}`.',
    example: { hookId: 7 },
  }),
  transformation: transformationSchema(
    "Shapes the delivered body; null uses the event type's transformation, if any.",
  ),
};

const optionalFields = Type.Partial(Type.Object(subscriptionFields)).properties;

export const NewSubscriptionBody = Type.Object(
  {
    ...optionalFields,
    event_types: subscriptionFields.event_types,
    destination,
  },
  { additionalProperties: false },
);
export type NewSubscriptionBody = Static<typeof NewSubscriptionBody>;

export const SubscriptionChangesBody = Type.Object(
  {
    ...optionalFields,
    destination: Type.Optional(
      Type.Unsafe<JsonObject | null>({
        oneOf: [ref('Destination'), { type: 'null' }],
        description: 'Null keeps it.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SubscriptionChangesBody = Static<typeof SubscriptionChangesBody>;

/** Properties that are the destination's kind's to read. */
export const READ_BY_KIND = ['destination'];

/** What the API answers: every field, and `metadata` always an object (`{}` for none). */
export const SubscriptionSchema = Type.Object({
  id: Type.String(),
  ...subscriptionFields,
  metadata: Type.Unsafe<JsonObject>({ ...subscriptionFields.metadata, type: 'object' }),
  status: Type.Unsafe<'active' | 'disabled'>({ type: 'string', enum: ['active', 'disabled'] }),
  disabled_reason: Nullable(Type.String()),
  failing_since: Nullable(
    dateTime(
      'Since when its attempts have failed with no success between (a run that lasts ' +
        '`HERALD_AUTO_DISABLE_AFTER` disables it); null: not failing.',
    ),
  ),
  created_at: dateTime(),
  updated_at: dateTime(),
});

export const CreatedSubscriptionSchema = Type.Intersect([
  Type.Unsafe(ref('Subscription')),
  Type.Object({ secret: Type.String({ example: 'whsec_…' }) }),
]);

export const RotateSecretBody = Type.Object(
  {
    overlap_seconds: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 0,
          maximum: 7 * 86_400,
          default: 86_400,
          description: 'Null or left out: the default.',
        }),
      ),
    ),
  },
  { additionalProperties: false },
);
