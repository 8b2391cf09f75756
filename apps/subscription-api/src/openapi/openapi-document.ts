import { apiKeyPaths, apiKeySchemas } from '../api-keys/api-keys.openapi';
import {
  consoleSessionPaths,
  consoleSessionSchemas,
} from '../console-sessions/console-sessions.openapi';
import {
  destinationTypePaths,
  destinationTypeSchemas,
} from '../destination-types/destination-types.openapi';
import { deadLetterPaths, deadLetterSchemas } from '../dead-letters/dead-letters.openapi';
import { deliveryPaths, deliverySchemas } from '../deliveries';
import { eventTypePaths, eventTypeSchemas } from '../event-types/event-types.openapi';
import { eventPaths, eventSchemas } from '../events/events.openapi';
import {
  subscriptionActionPaths,
  subscriptionActionSchemas,
} from '../subscriptions/subscription-actions.openapi';
import {
  subscriptionStatsPaths,
  subscriptionStatsSchemas,
} from '../subscriptions/subscription-stats.openapi';
import { subscriptionPaths, subscriptionSchemas } from '../subscriptions/subscriptions.openapi';
import { tenantPaths, tenantSchemas } from '../tenants/tenants.openapi';
import { errorResponses, type Operation, type Paths, type Schema } from '../common/openapi-builder';

/**
 * Any request body can be malformed JSON (400 `invalid_json`) or larger than the JSON limit
 * (HERALD_MAX_EVENT_BYTES plus 16 KiB, 413 `payload_too_large`), whatever the route.
 */
function withBodyErrors(operation: Operation): Operation {
  if (!operation.requestBody) return operation;
  return { ...operation, responses: { ...errorResponses('400', '413'), ...operation.responses } };
}

/** Every feature's paths and schemas; a feature adds its pair here. */
const features: { paths: Paths; schemas: Record<string, Schema> }[] = [
  { paths: tenantPaths, schemas: tenantSchemas },
  { paths: apiKeyPaths, schemas: apiKeySchemas },
  { paths: consoleSessionPaths, schemas: consoleSessionSchemas },
  { paths: eventTypePaths, schemas: eventTypeSchemas },
  { paths: destinationTypePaths, schemas: destinationTypeSchemas },
  { paths: subscriptionPaths, schemas: subscriptionSchemas },
  { paths: eventPaths, schemas: eventSchemas },
  { paths: subscriptionActionPaths, schemas: subscriptionActionSchemas },
  { paths: subscriptionStatsPaths, schemas: subscriptionStatsSchemas },
  { paths: deliveryPaths, schemas: deliverySchemas },
  { paths: deadLetterPaths, schemas: deadLetterSchemas },
];

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Herald admin API',
      version: '0.1.0',
      description:
        'Tenants, API keys, console links, subscriptions, events, deliveries and dead letters. JSON in snake_case; ' +
        'errors are `{error: {code, message, details}}`; lists are `{data, next_cursor}`.',
    },
    // Features may share a path (POST and GET /v1/tenants/{id}/api-keys), so their operations merge.
    paths: features.reduce<Paths>(
      (all, feature) => ({
        ...all,
        ...Object.fromEntries(
          Object.entries(feature.paths).map(([path, item]) => [
            path,
            {
              ...all[path],
              ...Object.fromEntries(
                Object.entries(item).map(([method, operation]) => [
                  method,
                  withBodyErrors(operation),
                ]),
              ),
            },
          ]),
        ),
      }),
      {},
    ),
    components: {
      securitySchemes: {
        operatorToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The operator token (HERALD_ADMIN_TOKEN).',
        },
        apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key (hk_…).' },
        consoleSession: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A console session key (hcs_…) from `POST /v1/console-sessions/exchange`: the tenant’s ' +
            'routes, GETs only when read-only.',
        },
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
        ...features.reduce<Record<string, Schema>>(
          (all, feature) => ({ ...all, ...feature.schemas }),
          {},
        ),
      },
    },
  };
}
