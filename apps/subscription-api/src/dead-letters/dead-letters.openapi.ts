import {
  errorResponses,
  jsonBody,
  jsonResponse,
  pageOf,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { queryParameters } from '../common/query-schema';
import {
  DeadLetterListQuery,
  REDRIVE_MAX,
  RedriveRequestSchema,
  RedriveResultSchema,
} from './dead-letter.schema';

export const deadLetterSchemas: Record<string, Schema> = {
  RedriveRequest: RedriveRequestSchema,
  RedriveResult: RedriveResultSchema,
};

export const deadLetterPaths: Paths = {
  '/v1/dead-letters': {
    get: {
      operationId: 'listDeadLetters',
      summary: 'List dead deliveries, newest first, with their attempts',
      tags: ['Dead letters'],
      security: tenantOnly,
      parameters: queryParameters(DeadLetterListQuery),
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
