import {
  errorResponses,
  jsonResponse,
  tenantOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import {
  DestinationSettingSchema,
  DestinationTypeDescriptorSchema,
  DestinationTypeListSchema,
} from './destination-type.schema';

export const destinationTypeSchemas: Record<string, Schema> = {
  DestinationSetting: DestinationSettingSchema,
  DestinationTypeDescriptor: DestinationTypeDescriptorSchema,
};

export const destinationTypePaths: Paths = {
  '/v1/destination-types': {
    get: {
      operationId: 'listDestinationTypes',
      summary: 'List the destination types (hook services) and their settings',
      tags: ['Destination types'],
      security: tenantOnly,
      responses: {
        '200': jsonResponse('Every destination type.', DestinationTypeListSchema),
        ...errorResponses(),
      },
    },
  },
};
