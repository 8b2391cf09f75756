import { createdRangeParams } from '../deliveries';
import {
  errorResponses,
  jsonBody,
  jsonResponse,
  pageOf,
  pageParams,
  queryParam,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { REDRIVE_MAX } from './redrive-input';

const nullableTime: Schema = { oneOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] };

export const deadLetterSchemas: Record<string, Schema> = {
  RedriveRequest: {
    type: 'object',
    additionalProperties: false,
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
    properties: {
      ids: {
        type: ['array', 'null'],
        minItems: 1,
        maxItems: REDRIVE_MAX,
        items: { type: 'string' },
        description:
          'Dead deliveries to send again, even if an earlier redrive already did. Each must be a ' +
          'dead delivery of a subscription that still exists.',
      },
      subscription_id: { type: ['string', 'null'], maxLength: 200 },
      since: { ...nullableTime, description: 'Created at or after.' },
      until: { ...nullableTime, description: 'Created before.' },
    },
  },
  RedriveResult: {
    type: 'object',
    required: ['redriven', 'deliveries', 'has_more'],
    properties: {
      redriven: { type: 'integer', minimum: 0 },
      deliveries: {
        type: 'array',
        items: ref('Delivery'),
        description: 'The new deliveries (origin `retry`), queued.',
      },
      has_more: {
        type: 'boolean',
        description: `A range redrive stopped at ${REDRIVE_MAX}; the same call again continues.`,
      },
    },
  },
};

export const deadLetterPaths: Paths = {
  '/v1/dead-letters': {
    get: {
      operationId: 'listDeadLetters',
      summary: 'List dead deliveries, newest first, with their attempts',
      tags: ['Dead letters'],
      security: tenantOnly,
      parameters: [
        queryParam('subscription_id', 'Only dead deliveries to this subscription.'),
        ...createdRangeParams,
        queryParam(
          'include_redriven',
          'Also those already sent again by a retry, redrive or recover (default false).',
          { type: 'boolean', default: false },
        ),
        ...pageParams,
      ],
      responses: {
        '200': jsonResponse('A page of dead deliveries.', pageOf(ref('DeliveryDetail'))),
        ...errorResponses('422'),
      },
    },
  },
  '/v1/dead-letters/redrive': {
    post: {
      operationId: 'redriveDeadLetters',
      summary: 'Send dead deliveries again, as new deliveries',
      tags: ['Dead letters'],
      security: tenantOnly,
      requestBody: jsonBody(
        ref('RedriveRequest'),
        `At most ${REDRIVE_MAX} dead deliveries per call, oldest first. A range sends only dead ` +
          'deliveries not redriven yet (of subscriptions that still exist) and marks them, so ' +
          'repeating the call never sends one twice.',
      ),
      responses: {
        '202': jsonResponse('What was sent again.', ref('RedriveResult')),
        ...errorResponses('400', '422'),
      },
    },
  },
};
