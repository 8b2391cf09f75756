import {
  SECRET_MASK,
  setting,
  type DestinationInput,
  type DestinationKind,
} from '../destination-kind';
import {
  extraHeadersSchema,
  readEndpointUrl,
  readExtraHeaders,
  RESERVED_HEADERS,
} from '../http-settings';

/** A webhook whose receiver wants an OAuth 2.0 access token, got with the client-credentials grant. */
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
/** RFC 6749 §3.3: scope tokens of NQCHARs separated by single spaces. */
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;
const FIELDS = [
  'type',
  'url',
  'headers',
  'token_url',
  'client_id',
  'client_secret',
  'scope',
  'audience',
] as const;

function readOAuth2Webhook(input: DestinationInput): OAuth2WebhookDestination {
  const url = readEndpointUrl(input, 'url');
  const headers = readExtraHeaders(input, RESERVED);
  const tokenUrl = readEndpointUrl(input, 'token_url');
  const clientId = input.string('client_id', {
    required: true,
    max: 256,
    pattern: VSCHARS,
    hint: 'must be one or more printable ASCII characters',
  });
  const clientSecret = input.string('client_secret', {
    required: true,
    max: 1024,
    pattern: VSCHARS,
    hint: 'must be one or more printable ASCII characters',
  });
  const scope =
    input.string('scope', {
      max: 1000,
      pattern: SCOPE,
      hint: 'must be scope tokens separated by single spaces, such as "events:write audit"',
    }) ?? null;
  const audience = input.string('audience', { max: 2048, pattern: VSCHARS }) ?? null;
  input.onlyKnown(FIELDS);
  return {
    type: 'oauth2_webhook',
    url,
    headers,
    tokenUrl,
    clientId,
    clientSecret,
    scope,
    audience,
  };
}

export const oauth2WebhookKind: DestinationKind<OAuth2WebhookDestination> = {
  type: 'oauth2_webhook',
  name: 'Webhook with OAuth 2.0',
  description:
    'POSTs each event as JSON to an HTTP endpoint, signed like a webhook, with an OAuth 2.0 access ' +
    'token from the client-credentials grant as `Authorization: Bearer`. The token is reused until ' +
    'shortly before it expires and fetched again once when the endpoint answers 401.',
  settings: [
    setting('url', 'url', 'url', 'The http or https URL to POST to; redirects are not followed.', {
      required: true,
    }),
    setting(
      'headers',
      'headers',
      'string_map',
      'Extra request headers (not Authorization, which carries the token); values are encrypted at rest and masked in responses.',
      { secret: true },
    ),
    setting(
      'token_url',
      'tokenUrl',
      'url',
      'The authorization server’s token endpoint, asked with grant_type=client_credentials.',
      { required: true },
    ),
    setting(
      'client_id',
      'clientId',
      'string',
      'The client id Herald authenticates as (HTTP Basic).',
      {
        required: true,
      },
    ),
    setting('client_secret', 'clientSecret', 'string', 'The client secret for client_id.', {
      required: true,
      secret: true,
    }),
    setting('scope', 'scope', 'string', 'The scopes to ask for, separated by spaces.'),
    setting(
      'audience',
      'audience',
      'string',
      'The audience to ask for (sent as `audience`, as Auth0 and others expect).',
    ),
  ],
  read: readOAuth2Webhook,
  openApiSchema: {
    type: 'object',
    required: ['type', 'url', 'token_url', 'client_id', 'client_secret'],
    additionalProperties: false,
    description:
      'A webhook (signed the same way) whose receiver wants an OAuth 2.0 access token: Herald gets one ' +
      'from token_url with the client-credentials grant (client_id and client_secret by HTTP Basic), ' +
      'sends it as `Authorization: Bearer`, reuses it until shortly before it expires, and fetches a ' +
      'new one once when the receiver answers 401. A failing token endpoint fails the attempt, which ' +
      'is retried on the schedule.',
    properties: {
      type: { const: 'oauth2_webhook' },
      url: { type: 'string', format: 'uri', maxLength: 2048 },
      headers: extraHeadersSchema(
        RESERVED,
        'Extra request headers (not Authorization): an object, or a string holding one as JSON; null for none. Values are encrypted at rest and masked in responses.',
        '{"X-Team": "billing"}',
      ),
      token_url: { type: 'string', format: 'uri', maxLength: 2048 },
      client_id: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[\\x20-\\x7E]+$' },
      client_secret: {
        type: 'string',
        minLength: 1,
        maxLength: 1024,
        pattern: '^[\\x20-\\x7E]+$',
        description:
          'Encrypted at rest and masked (********) in responses; sending the mask back on update ' +
          'keeps the stored secret.',
      },
      scope: {
        type: ['string', 'null'],
        maxLength: 1000,
        pattern: SCOPE.source,
        example: 'events:write',
      },
      audience: { type: ['string', 'null'], maxLength: 2048, pattern: '^[\\x20-\\x7E]+$' },
    },
  },
  previewHeaders: (destination) => ({
    ...Object.fromEntries(Object.keys(destination.headers).map((name) => [name, SECRET_MASK])),
    Authorization: `Bearer ${SECRET_MASK}`,
  }),
};
