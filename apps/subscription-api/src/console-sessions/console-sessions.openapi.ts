import { CONSOLE_PAGES, CONSOLE_THEME_MODES } from '@herald/domain';
import {
  errorResponses,
  jsonBody,
  jsonResponse,
  pageOf,
  pageParams,
  pathParam,
  queryParam,
  ref,
  tenantKeyOrOperator,
  type Paths,
  type Schema,
} from '../common/openapi-builder';

const tenantId = (use: string): Schema => ({
  type: ['string', 'null'],
  minLength: 1,
  maxLength: 200,
  description: `The tenant ${use}: required with the operator token; with an API key, only the key’s own tenant (another answers 404), and null or left out means it.`,
});

const pageList: Schema = {
  type: ['array', 'null'],
  items: { type: 'string', enum: [...CONSOLE_PAGES] },
  description: 'The console pages the session shows; null: all.',
};

const pages: Schema = {
  ...pageList,
  minItems: 1,
  maxItems: CONSOLE_PAGES.length,
  uniqueItems: true,
  description:
    'The console pages the session shows; null or left out: all. It tells the console what to ' +
    'show; what the session may do is the tenant’s rights (`read_only` aside), page or not.',
};

const themeFields: Record<string, Schema> = {
  accent: {
    type: ['string', 'null'],
    pattern: '^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$',
    description: 'Links, focus rings and the current page in this colour; null: the console’s own.',
    example: '#0a7d55',
  },
  logo_url: {
    type: ['string', 'null'],
    format: 'uri',
    maxLength: 2000,
    pattern: '^https://',
    description: 'An `https:` image shown in the header instead of the word Herald.',
    example: 'https://example.com/logo.svg',
  },
  mode: {
    type: 'string',
    enum: [...CONSOLE_THEME_MODES],
    description: '`auto` (the reader’s system setting, the default), `light` or `dark`.',
  },
};

/** How the console looks in the session, for an operator's product that frames it. */
const theme: Schema = {
  type: ['object', 'null'],
  required: ['accent', 'logo_url', 'mode'],
  properties: themeFields,
  description: 'How the console looks in the session; null: the console’s own look.',
};

const timestamp: Schema = { type: 'string', format: 'date-time' };
const optionalTimestamp: Schema = { type: ['string', 'null'], format: 'date-time' };

export const consoleSessionSchemas: Record<string, Schema> = {
  ConsoleSession: {
    type: 'object',
    required: [
      'id',
      'tenant_id',
      'created_by',
      'read_only',
      'pages',
      'theme',
      'link_expires_at',
      'exchanged_at',
      'expires_at',
      'revoked_at',
      'created_at',
    ],
    properties: {
      id: { type: 'string', example: 'ses_01hz…' },
      tenant_id: { type: 'string' },
      created_by: { type: 'string', enum: ['tenant', 'operator'] },
      read_only: { type: 'boolean' },
      pages: pageList,
      theme,
      link_expires_at: {
        ...timestamp,
        description: 'The link can be exchanged until then (10 minutes after it is made), once.',
      },
      exchanged_at: {
        ...optionalTimestamp,
        description: 'When the link was exchanged; null: not yet.',
      },
      expires_at: {
        ...timestamp,
        description: 'The end of the session, counted from the link’s making.',
      },
      revoked_at: optionalTimestamp,
      created_at: timestamp,
    },
  },
  NewConsoleSession: {
    allOf: [
      ref('ConsoleSession'),
      {
        type: 'object',
        required: ['url'],
        properties: {
          url: {
            type: 'string',
            description:
              'The console link, `<origin>/console/#token=hcl_…`, shown this once: the one-time ' +
              'token is in the fragment, which browsers never send, so it reaches no server log.',
          },
        },
      },
    ],
  },
};

// POST …/revoke-all rather than DELETE /v1/console-sessions: a DELETE of the collection would need
// the operator's tenant_id in the query, and the other bulk actions of the API are POSTs too.
export const consoleSessionPaths: Paths = {
  '/v1/console-sessions': {
    post: {
      operationId: 'createConsoleSession',
      summary: 'Make a console link: a URL with a one-time token, exchanged for a console session',
      description:
        'By a tenant for itself (API key) or by the operator for a tenant (`tenant_id`). The link ' +
        'is valid for 10 minutes and once; the session it opens lasts `expires_in` from now and ' +
        'uses the tenant’s routes with the tenant’s rights (only `GET`s when `read_only`), never ' +
        'the operator’s. Herald keeps SHA-256 hashes of the token and of the session key, never ' +
        'the secrets.',
      tags: ['Console links'],
      security: tenantKeyOrOperator,
      requestBody: {
        ...jsonBody({
          type: 'object',
          additionalProperties: false,
          properties: {
            tenant_id: tenantId('the link is for'),
            read_only: {
              type: 'boolean',
              description: 'A session that may only read (default false).',
            },
            pages,
            theme: {
              type: ['object', 'null'],
              additionalProperties: false,
              properties: {
                ...themeFields,
                mode: {
                  ...themeFields.mode,
                  type: ['string', 'null'],
                  enum: [...CONSOLE_THEME_MODES, null],
                  default: 'auto',
                  description: `${String(themeFields.mode.description)} Null or left out: auto.`,
                },
              },
              description:
                'How the console looks in the session, e.g. framed in the operator’s product ' +
                '(allowed framing origins: `HERALD_CONSOLE_FRAME_ANCESTORS`); null or left out: the ' +
                'console’s own look.',
            },
            expires_in: {
              type: ['string', 'null'],
              maxLength: 20,
              pattern: '^\\d+(ms|s|m|h|d)$',
              description: 'The session’s lifetime, from 5m to 30d; null or left out: 1h.',
              example: '8h',
            },
          },
        }),
        required: false,
      },
      responses: {
        '201': jsonResponse(
          'The link, with its one-time token in `url`.',
          ref('NewConsoleSession'),
        ),
        ...errorResponses('404', '422'),
      },
    },
    get: {
      operationId: 'listConsoleSessions',
      summary: 'List console links and sessions (never their tokens or keys)',
      tags: ['Console links'],
      security: tenantKeyOrOperator,
      parameters: [
        queryParam(
          'tenant_id',
          'The operator’s filter (all tenants without it); with an API key, only the key’s own tenant.',
          { type: 'string', minLength: 1, maxLength: 200 },
        ),
        ...pageParams,
      ],
      responses: {
        '200': jsonResponse(
          'A page of links and sessions, oldest first, revoked and expired ones included.',
          pageOf(ref('ConsoleSession')),
        ),
        ...errorResponses('404', '422'),
      },
    },
  },
  '/v1/console-sessions/exchange': {
    post: {
      operationId: 'exchangeConsoleSession',
      summary: 'Exchange a console link’s token, once, for a session key',
      description:
        'Needs no `Authorization`: the token is the credential. The session key (`hcs_…`) is a ' +
        'bearer token for the tenant’s routes until `expires_at` or a revoke. A token used already ' +
        'answers 401 `link_used`, one past its 10 minutes `link_expired`, a revoked one ' +
        '`link_revoked`, one never issued `unauthorized`.',
      tags: ['Console links'],
      security: [],
      requestBody: jsonBody({
        type: 'object',
        required: ['token'],
        additionalProperties: false,
        properties: {
          token: {
            type: 'string',
            pattern: '^hcl_[A-Za-z0-9_-]{43}$',
            description: 'The token from the link’s fragment.',
          },
        },
      }),
      responses: {
        '200': jsonResponse('The session, with its key shown this once.', {
          type: 'object',
          required: ['id', 'session_key', 'tenant_id', 'read_only', 'pages', 'theme', 'expires_at'],
          properties: {
            id: { type: 'string' },
            session_key: {
              type: 'string',
              description: 'Shown once; send it as `Authorization: Bearer hcs_…`.',
            },
            tenant_id: { type: 'string' },
            read_only: { type: 'boolean' },
            pages: pageList,
            theme,
            expires_at: timestamp,
          },
        }),
        ...errorResponses('422'),
      },
    },
  },
  '/v1/console-sessions/revoke-all': {
    post: {
      operationId: 'revokeAllConsoleSessions',
      summary: 'Revoke every live console session and unused link of a tenant',
      tags: ['Console links'],
      security: tenantKeyOrOperator,
      requestBody: {
        ...jsonBody({
          type: 'object',
          additionalProperties: false,
          properties: { tenant_id: tenantId('whose sessions end') },
        }),
        required: false,
      },
      responses: {
        '200': jsonResponse('How many were revoked.', {
          type: 'object',
          required: ['revoked'],
          properties: { revoked: { type: 'integer', minimum: 0 } },
        }),
        ...errorResponses('404', '422'),
      },
    },
  },
  '/v1/console-sessions/{id}': {
    delete: {
      operationId: 'revokeConsoleSession',
      summary:
        'Revoke a console link or session; its key answers 401 `session_revoked` from now on',
      description:
        'A tenant revokes its own, the operator any; a console session may revoke itself (signing ' +
        'out), read-only or not, and no other.',
      tags: ['Console links'],
      security: [...tenantKeyOrOperator, { consoleSession: [] }],
      parameters: [pathParam('id', 'Console session id.')],
      responses: {
        '204': jsonResponse('Revoked (or already revoked).'),
        ...errorResponses('404'),
      },
    },
  },
};
