import {
  errorResponses,
  jsonBody,
  jsonResponse,
  operatorOnly,
  pageOf,
  pageParams,
  pathParam,
  ref,
  type Paths,
  type Schema,
} from '../common/openapi-builder';

const retention: Schema = {
  type: ['string', 'null'],
  pattern: '^\\d+(ms|s|m|h|d)$',
  maxLength: 20,
  description:
    'How long the tenant’s events, deliveries and attempts are kept, from 1s to 3650d (e.g. `90d`); ' +
    'null: `HERALD_RETENTION` (30d by default). Older history is purged, except deliveries still ' +
    'pending or retrying (and their events and attempts); looking up a purged event or delivery ' +
    'answers 404 with code `expired`.',
  example: '90d',
};

export const tenantSchemas: Record<string, Schema> = {
  Tenant: {
    type: 'object',
    required: ['id', 'name', 'created_at', 'retention'],
    properties: {
      id: { type: 'string', example: 'ten_01hz…' },
      name: { type: 'string' },
      created_at: { type: 'string', format: 'date-time' },
      retention,
    },
  },
  ApiKey: {
    type: 'object',
    required: ['id', 'tenant_id', 'name', 'prefix', 'created_at', 'expires_at', 'revoked_at'],
    properties: {
      id: { type: 'string' },
      tenant_id: { type: 'string' },
      name: { type: 'string' },
      prefix: {
        type: 'string',
        description: 'The first characters of the key, to tell keys apart.',
      },
      created_at: { type: 'string', format: 'date-time' },
      expires_at: { type: ['string', 'null'], format: 'date-time' },
      revoked_at: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  NewApiKey: {
    allOf: [
      ref('ApiKey'),
      {
        type: 'object',
        required: ['key'],
        properties: {
          key: { type: 'string', description: 'Shown once; Herald keeps only its hash.' },
        },
      },
    ],
  },
};

export const tenantPaths: Paths = {
  '/v1/tenants': {
    post: {
      operationId: 'createTenant',
      summary: 'Create a tenant',
      tags: ['Tenants'],
      security: operatorOnly,
      requestBody: jsonBody({
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: { name: { type: 'string', maxLength: 200 }, retention },
      }),
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
      parameters: pageParams,
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
      requestBody: jsonBody({
        type: 'object',
        additionalProperties: false,
        properties: { retention },
      }),
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
        ...jsonBody({
          type: 'object',
          additionalProperties: false,
          properties: { name: { type: ['string', 'null'], maxLength: 200 } },
        }),
        required: false,
      },
      responses: {
        '201': jsonResponse('The key, with its plain value.', ref('NewApiKey')),
        ...errorResponses('404', '422'),
      },
    },
  },
};
