import { Type } from '@sinclair/typebox';
import { Nullable, PROBLEM, SECRET } from '../../schema-problems';
import { SECRET_MASK, schemaKind } from '../destination-kind';
import {
  checkEndpoint,
  checkHttpUrl,
  endpointUrlSchema,
  extraHeadersSchema,
  RESERVED_HEADERS,
} from '../http-settings';

/**
 * A webhook whose receiver wants an OAuth 2.0 access token, got with the client-credentials grant.
 * Kept beside the schema's snake_case input rather than derived from it, as `SqsDestination` is: its
 * names are the stored ones (`tokenUrl`, the sealed `clientSecret`), the headers are parsed from
 * either form the input takes, and a setting left out is null.
 */
export interface OAuth2WebhookDestination {
  type: 'oauth2_webhook';
  url: string;
  headers: Record<string, string>;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string | null;
  audience: string | null;
}

/** `Authorization` carries the access token, so a subscription may not set it. */
const RESERVED = new Set([...RESERVED_HEADERS, 'authorization']);
/** RFC 6749 appendix A: client ids and secrets are VSCHARs. */
const VSCHARS = /^[\x20-\x7E]+$/;
const VSCHARS_HINT = 'must be one or more printable ASCII characters';
/** RFC 6749 §3.3: scope tokens of NQCHARs separated by single spaces. */
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

export const OAuth2WebhookDestinationSchema = Type.Object(
  {
    type: Type.Literal('oauth2_webhook'),
    url: endpointUrlSchema('The http or https URL to POST to; redirects are not followed.'),
    headers: Type.Optional(
      extraHeadersSchema(
        RESERVED,
        'Extra request headers (not Authorization, which carries the token): an object, or a string holding one as JSON; null for none. Values are encrypted at rest and masked in responses.',
        '{"X-Team": "billing"}',
      ),
    ),
    token_url: endpointUrlSchema(
      'The authorization server’s token endpoint, asked with grant_type=client_credentials.',
    ),
    client_id: Type.String({
      maxLength: 256,
      pattern: VSCHARS.source,
      [PROBLEM]: { pattern: VSCHARS_HINT },
      description: 'The client id Herald authenticates as (HTTP Basic).',
    }),
    client_secret: Type.String({
      maxLength: 1024,
      pattern: VSCHARS.source,
      [PROBLEM]: { pattern: VSCHARS_HINT },
      [SECRET]: true,
      description:
        'The client secret for client_id. Encrypted at rest and masked (********) in responses; ' +
        'sending the mask back on update keeps the stored secret.',
    }),
    scope: Type.Optional(
      Nullable(
        Type.String({
          maxLength: 1000,
          pattern: SCOPE.source,
          example: 'events:write',
          [PROBLEM]: {
            pattern:
              'must be scope tokens separated by single spaces, such as "events:write audit"',
          },
          description: 'The scopes to ask for, separated by spaces.',
        }),
      ),
    ),
    audience: Type.Optional(
      Nullable(
        Type.String({
          maxLength: 2048,
          pattern: VSCHARS.source,
          [PROBLEM]: { pattern: `must match ${String(VSCHARS)}` },
          description: 'The audience to ask for (sent as `audience`, as Auth0 and others expect).',
        }),
      ),
    ),
  },
  {
    additionalProperties: false,
    description:
      'A webhook (signed the same way) whose receiver wants an OAuth 2.0 access token: Herald gets one ' +
      'from token_url with the client-credentials grant (client_id and client_secret by HTTP Basic), ' +
      'sends it as `Authorization: Bearer`, reuses it until shortly before it expires, and fetches a ' +
      'new one once when the receiver answers 401. A failing token endpoint fails the attempt, which ' +
      'is retried on the schedule.',
  },
);

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export const oauth2WebhookKind = schemaKind<
  typeof OAuth2WebhookDestinationSchema,
  OAuth2WebhookDestination
>({
  type: 'oauth2_webhook',
  name: 'Webhook with OAuth 2.0',
  description:
    'POSTs each event as JSON to an HTTP endpoint, signed like a webhook, with an OAuth 2.0 access ' +
    'token from the client-credentials grant as `Authorization: Bearer`. The token is reused until ' +
    'shortly before it expires and fetched again once when the endpoint answers 401.',
  schema: OAuth2WebhookDestinationSchema,
  checkedByCode: ['headers'],
  read(value, check): OAuth2WebhookDestination {
    const endpoint = checkEndpoint(value, check, RESERVED);
    checkHttpUrl(value.token_url, 'token_url', check);
    return {
      type: 'oauth2_webhook',
      ...endpoint,
      tokenUrl: text(value.token_url) ?? '',
      clientId: text(value.client_id) ?? '',
      clientSecret: text(value.client_secret) ?? '',
      scope: text(value.scope),
      audience: text(value.audience),
    };
  },
  previewHeaders: (destination) => ({
    ...Object.fromEntries(Object.keys(destination.headers).map((name) => [name, SECRET_MASK])),
    Authorization: `Bearer ${SECRET_MASK}`,
  }),
});
