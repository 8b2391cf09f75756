import { DESTINATION_TYPES } from '@herald/domain';
import {
  errorResponses,
  jsonResponse,
  ref,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';

export const destinationTypeSchemas: Record<string, Schema> = {
  DestinationSetting: {
    type: 'object',
    required: ['name', 'type', 'required', 'secret', 'description'],
    properties: {
      name: { type: 'string', example: 'queue_url' },
      type: {
        type: 'string',
        enum: ['string', 'url', 'string_list', 'string_map'],
        description:
          '`string` and `url` are single values, `string_list` a list, `string_map` name/value pairs.',
      },
      required: { type: 'boolean' },
      secret: {
        type: 'boolean',
        description: 'Encrypted at rest and masked in responses (for a map, its values).',
      },
      description: { type: 'string' },
    },
  },
  DestinationTypeDescriptor: {
    type: 'object',
    required: ['type', 'name', 'description', 'settings'],
    properties: {
      type: { type: 'string', enum: DESTINATION_TYPES },
      name: { type: 'string', example: 'AWS SQS' },
      description: { type: 'string' },
      settings: { type: 'array', items: ref('DestinationSetting') },
    },
  },
};

export const destinationTypePaths: Paths = {
  '/v1/destination-types': {
    get: {
      operationId: 'listDestinationTypes',
      summary: 'List the destination types (hook services) and their settings',
      tags: ['Destination types'],
      security: tenantOnly,
      responses: {
        '200': jsonResponse('Every destination type.', {
          type: 'object',
          required: ['data'],
          properties: { data: { type: 'array', items: ref('DestinationTypeDescriptor') } },
        }),
        ...errorResponses(),
      },
    },
  },
};
