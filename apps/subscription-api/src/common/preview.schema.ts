import { Type } from '@sinclair/typebox';
import { ref } from './openapi-builder';
import { Nullable } from './request-schema';

/**
 * A preview's body: a stored event by id, or one given whole (`event`, checked as `POST /v1/events`
 * checks one, by `validateInboundEvent`: the validator takes any value there).
 */
export const PreviewBody = Type.Object(
  {
    event_id: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    event: Type.Optional(Type.Unsafe<unknown>({ oneOf: [ref('InboundEvent'), { type: 'null' }] })),
  },
  { additionalProperties: false },
);

/** Properties checked by code of their own. */
export const PREVIEW_READ_ELSEWHERE = ['event'];

/** The body as the document states it: the fields, and that exactly one of them is given. */
export const PreviewRequestSchema = {
  ...PreviewBody,
  description:
    'A stored event by id, or an event given whole (checked as `POST /v1/events` checks one).',
  oneOf: [
    {
      required: ['event_id'],
      properties: { event_id: { type: 'string' }, event: { type: 'null' } },
    },
    {
      required: ['event'],
      properties: { event: { type: 'object' }, event_id: { type: 'null' } },
    },
  ],
};
