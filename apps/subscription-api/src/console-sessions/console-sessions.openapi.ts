import {
  errorResponses,
  jsonBody,
  jsonResponse,
  pageOf,
  pathParam,
  ref,
  tenantKeyOrOperator,
  type Paths,
  type Schema,
} from '../common/openapi-builder';
import { queryParameters } from '../common/query-schema';
import {
  ConsoleSessionListQuery,
  ConsoleSessionSchema,
  ExchangeBody,
  ExchangedSessionSchema,
  NewConsoleSessionBody,
  NewConsoleSessionSchema,
  RevokeAllBody,
  RevokedCountSchema,
} from './console-session.schema';

export const consoleSessionSchemas: Record<string, Schema> = {
  ConsoleSession: ConsoleSessionSchema,
  NewConsoleSession: NewConsoleSessionSchema,
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
        ...jsonBody(NewConsoleSessionBody),
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
      parameters: queryParameters(ConsoleSessionListQuery),
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
      requestBody: jsonBody(ExchangeBody),
      responses: {
        '200': jsonResponse('The session, with its key shown this once.', ExchangedSessionSchema),
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
        ...jsonBody(RevokeAllBody),
        required: false,
      },
      responses: {
        '200': jsonResponse('How many were revoked.', RevokedCountSchema),
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
