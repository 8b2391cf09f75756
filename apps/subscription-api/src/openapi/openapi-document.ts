import { subscriptionPaths, subscriptionSchemas } from '../subscriptions/subscriptions.openapi';
import { tenantPaths, tenantSchemas } from '../tenants/tenants.openapi';
import type { Paths, Schema } from './openapi-builder';

/** Every feature's paths and schemas; a feature adds its pair here. */
const features: { paths: Paths; schemas: Record<string, Schema> }[] = [
  { paths: tenantPaths, schemas: tenantSchemas },
  { paths: subscriptionPaths, schemas: subscriptionSchemas },
];

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Herald admin API',
      version: '0.1.0',
      description:
        'Tenants, API keys, subscriptions, events, deliveries and dead letters. JSON in snake_case; ' +
        'errors are `{error: {code, message, details}}`; lists are `{data, next_cursor}`.',
    },
    paths: Object.assign({}, ...features.map((feature) => feature.paths)) as Paths,
    components: {
      securitySchemes: {
        operatorToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The operator token (HERALD_ADMIN_TOKEN).',
        },
        apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key (hk_…).' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: {
                code: { type: 'string', example: 'validation_failed' },
                message: { type: 'string' },
                details: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { field: { type: 'string' }, message: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
        ...Object.assign({}, ...features.map((feature) => feature.schemas)),
      },
    },
  };
}
