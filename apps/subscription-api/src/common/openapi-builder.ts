/** Small helpers to write the OpenAPI 3.1 document by hand, feature by feature. */
export type Schema = Record<string, unknown>;
export type PathItem = Record<string, Operation>;
export type Paths = Record<string, PathItem>;

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: Schema[];
  requestBody?: Schema;
  responses: Record<string, Schema>;
}

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

export const pathParam = (name: string, description: string): Schema => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', minLength: 1 },
});

/** An event type name, as events and the catalog carry it. */
export const EVENT_TYPE_PATTERN = '^[A-Za-z0-9_\\-/]+(\\.[A-Za-z0-9_\\-/]+)*$';

export const jsonBody = (schema: Schema, description?: string): Schema => ({
  required: true,
  ...(description ? { description } : {}),
  content: { 'application/json': { schema } },
});

export const jsonResponse = (description: string, schema?: Schema): Schema => ({
  description,
  ...(schema ? { content: { 'application/json': { schema } } } : {}),
});

export const pageOf = (item: Schema): Schema => ({
  type: 'object',
  required: ['data', 'next_cursor'],
  properties: { data: { type: 'array', items: item }, next_cursor: { type: ['string', 'null'] } },
});

const errorResponse = (description: string): Schema => jsonResponse(description, ref('Error'));

/** The 404 of a lookup by id of history: unknown, another tenant's, or purged past the tenant's retention. */
export const historyNotFound: Schema = errorResponse(
  'Not found (also for another tenant’s ids). Code `expired` when the id dates from before the ' +
    'tenant’s retention (`HERALD_RETENTION`, or the tenant’s own `retention`): its history was ' +
    'purged and is not coming back; code `not_found` otherwise.',
);

/** Every route reads or writes PostgreSQL (a tenant's API key is checked there), so all can answer it. */
const unavailableResponse: Schema = {
  ...errorResponse(
    'PostgreSQL (or, for routes that publish, Kafka) cannot be reached right now; code `unavailable`. ' +
      'Try again after `Retry-After`.',
  ),
  headers: {
    'Retry-After': {
      description: 'Seconds to wait before trying again.',
      schema: { type: 'integer', minimum: 1 },
    },
  },
};

/** The error answers every authenticated route can give, and those given in `extra`. */
export const errorResponses = (
  ...extra: ('404' | '409' | '413' | '422' | '400')[]
): Record<string, Schema> => {
  const known: Record<string, string> = {
    '400': 'Malformed JSON.',
    '404': 'Not found (also for another tenant’s ids).',
    '409': 'Conflict.',
    '413': 'Too large.',
    '422':
      'Validation failed (`validation_failed`; `invalid_text` for a NUL character or an unpaired ' +
      'surrogate in any string); `details` names each field.',
  };
  return {
    '401': errorResponse('Missing or invalid bearer token.'),
    '403': errorResponse('The token may not call this route.'),
    ...Object.fromEntries(extra.map((status) => [status, errorResponse(known[status])])),
    // A NUL character or an unpaired surrogate in a path or query is refused on every route.
    '422': errorResponse(known['422']),
    '503': unavailableResponse,
  };
};

type Security = Record<string, string[]>[];

export const operatorOnly: Security = [{ operatorToken: [] }];
/** A tenant's routes take its API key or one of its console sessions (read-only ones: GETs only). */
export const tenantOnly: Security = [{ apiKey: [] }, { consoleSession: [] }];
/** Routes a console session may not call: the API keys themselves. */
export const tenantKeyOnly: Security = [{ apiKey: [] }];
/** Console links: a tenant's API key for its tenant, or the operator token for any. */
export const tenantKeyOrOperator: Security = [{ apiKey: [] }, { operatorToken: [] }];
