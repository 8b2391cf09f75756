import { Type, type Static } from '@sinclair/typebox';
import { ref } from '../common/openapi-builder';
import { STRING_LIST_PROBLEM } from '../common/field-schemas';
import { timeField } from '../common/iso-time';
import { Nullable, PROBLEM } from '../common/request-schema';
import { pageQuery, queryFlag, queryText } from '../common/query-schema';
import { createdRange } from '../deliveries';

/** The most dead letters one redrive sends; a range redrive past it answers `has_more: true`. */
export const REDRIVE_MAX = 1000;

/** `GET /v1/dead-letters` parameters. */
export const DeadLetterListQuery = Type.Object(
  {
    subscription_id: queryText({
      maxLength: 200,
      description: 'Only dead deliveries to this subscription.',
    }),
    ...createdRange,
    include_redriven: queryFlag(
      'Also those already sent again by a retry, redrive or recover (default false).',
    ),
    ...pageQuery,
  },
  { additionalProperties: false },
);

/** The fields of a redrive; which of them may go together is the code's (`readRedrive`). */
export const RedriveBody = Type.Object(
  {
    ids: Type.Optional(
      Nullable(
        Type.Array(Type.String(), {
          minItems: 1,
          maxItems: REDRIVE_MAX,
          [PROBLEM]: STRING_LIST_PROBLEM,
          description:
            'Dead deliveries to send again, even if an earlier redrive already did. Each must be a ' +
            'dead delivery of a subscription that still exists.',
        }),
      ),
    ),
    subscription_id: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    since: Type.Optional(Nullable(timeField('Created at or after.'))),
    until: Type.Optional(Nullable(timeField('Created before.'))),
  },
  { additionalProperties: false },
);
export type RedriveBody = Static<typeof RedriveBody>;

/** The redrive body as the document states it: the fields, and which of them go together. */
export const RedriveRequestSchema = {
  ...RedriveBody,
  description:
    'Either `ids`, or a range of `subscription_id`, `since` and `until` (at least one of them; ' +
    '`until` later than `since`). Null is the same as left out.',
  oneOf: [
    {
      required: ['ids'],
      properties: {
        ids: { type: 'array' },
        subscription_id: { type: 'null' },
        since: { type: 'null' },
        until: { type: 'null' },
      },
    },
    {
      properties: { ids: { type: 'null' } },
      anyOf: ['subscription_id', 'since', 'until'].map((field) => ({
        required: [field],
        properties: { [field]: { type: 'string' } },
      })),
    },
  ],
};

export const RedriveResultSchema = Type.Object({
  redriven: Type.Integer({ minimum: 0 }),
  deliveries: Type.Array(Type.Unsafe(ref('Delivery')), {
    description: 'The new deliveries (origin `retry`), queued.',
  }),
  has_more: Type.Boolean({
    description: `A range redrive stopped at ${REDRIVE_MAX}; the same call again continues.`,
  }),
});
