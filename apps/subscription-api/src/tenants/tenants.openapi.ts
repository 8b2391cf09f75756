import {
  errorResponses,
  jsonBody,
  jsonResponse,
  operatorOnly,
  pageOf,
  pathParam,
  ref,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { PageQuery, queryParameters } from '../common/query-schema';
import { ApiKeyNameBody } from '../api-keys/api-key.schema';
import { NewTenantBody, TenantChangesBody, TenantSchema } from './tenant.schema';

export const tenantSchemas: Record<string, Schema> = { Tenant: TenantSchema };

export const tenantPaths: Paths = {
  '/v1/tenants': {
    post: {
      operationId: 'createTenant',
      summary: 'Create a tenant',
      tags: ['Tenants'],
      security: operatorOnly,
      requestBody: jsonBody(NewTenantBody),
      responses: {
        '201': jsonResponse('The tenant.', ref('Tenant')),
        ...errorResponses('400', '422'),
      },
    },
    get: {
      operationId: 'listTenants',
      summary: 'List tenants',
      tags: ['Tenants'],
      security: operatorOnly,
      parameters: queryParameters(PageQuery),
      responses: {
        '200': jsonResponse('A page of tenants.', pageOf(ref('Tenant'))),
        ...errorResponses('422'),
      },
    },
  },
  '/v1/tenants/{id}': {
    get: {
      operationId: 'getTenant',
      summary: 'Get a tenant',
      tags: ['Tenants'],
      security: operatorOnly,
      parameters: [pathParam('id', 'Tenant id.')],
      responses: { '200': jsonResponse('The tenant.', ref('Tenant')), ...errorResponses('404') },
    },
    patch: {
      operationId: 'updateTenant',
      summary: 'Change a tenant’s retention',
      tags: ['Tenants'],
      security: operatorOnly,
      parameters: [pathParam('id', 'Tenant id.')],
      requestBody: jsonBody(TenantChangesBody),
      responses: {
        '200': jsonResponse('The tenant.', ref('Tenant')),
        ...errorResponses('400', '404', '422'),
      },
    },
  },
  '/v1/tenants/{id}/api-keys': {
    post: {
      operationId: 'createApiKey',
      summary: 'Create an API key for a tenant (shown once)',
      tags: ['Tenants'],
      security: operatorOnly,
      parameters: [pathParam('id', 'Tenant id.')],
      requestBody: {
        ...jsonBody(ApiKeyNameBody),
        required: false,
      },
      responses: {
        '201': jsonResponse('The key, with its plain value.', ref('NewApiKey')),
        ...errorResponses('404', '422'),
      },
    },
  },
};
