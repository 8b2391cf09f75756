import {
  errorResponses,
  jsonBody,
  jsonResponse,
  operatorOnly,
  pageOf,
  pathParam,
  ref,
  tenantKeyOnly,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { PageQuery, queryParameters } from '../common/query-schema';
import { ApiKeyNameBody, ApiKeySchema, NewApiKeySchema } from './api-key.schema';

export const apiKeySchemas: Record<string, Schema> = {
  ApiKey: ApiKeySchema,
  NewApiKey: NewApiKeySchema,
};

export const apiKeyPaths: Paths = {
  '/v1/tenants/{id}/api-keys': {
    get: {
      operationId: 'listApiKeys',
      summary: 'List a tenant’s API keys (never the keys themselves)',
      tags: ['API keys'],
      security: operatorOnly,
      parameters: [pathParam('id', 'Tenant id.'), ...queryParameters(PageQuery)],
      responses: {
        '200': jsonResponse(
          'A page of keys, revoked and expired ones included.',
          pageOf(ref('ApiKey')),
        ),
        ...errorResponses('404', '422'),
      },
    },
  },
  '/v1/tenants/{id}/api-keys/{key_id}': {
    delete: {
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key; requests with it answer 401 from now on',
      tags: ['API keys'],
      security: operatorOnly,
      parameters: [pathParam('id', 'Tenant id.'), pathParam('key_id', 'API key id.')],
      responses: {
        '204': jsonResponse('Revoked (or already revoked).'),
        ...errorResponses('404'),
      },
    },
  },
  '/v1/api-keys/rotate': {
    post: {
      operationId: 'rotateApiKey',
      summary:
        'Rotate the calling API key: a new key (shown once), the old one valid for the grace period ' +
        '(HERALD_API_KEY_ROTATION_GRACE); emits an `api_keys.rotated` event',
      tags: ['API keys'],
      security: tenantKeyOnly,
      requestBody: {
        ...jsonBody(ApiKeyNameBody),
        required: false,
      },
      responses: {
        '201': jsonResponse('The new key, with its plain value.', ref('NewApiKey')),
        ...errorResponses('400', '422'),
      },
    },
  },
};
