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

export interface WebhookDestination {
  type: 'webhook';
  url: string;
  headers: Record<string, string>;
}

export const webhookKind: DestinationKind<WebhookDestination> = {
  type: 'webhook',
  name: 'Webhook',
  description:
    'POSTs each event as JSON to an HTTP endpoint, signed the Standard Webhooks way ' +
    '(webhook-id, webhook-timestamp, webhook-signature headers).',
  settings: [
    setting('url', 'url', 'url', 'The http or https URL to POST to; redirects are not followed.', {
      required: true,
    }),
    setting(
      'headers',
      'headers',
      'string_map',
      'Extra request headers, e.g. an Authorization token; values are encrypted at rest and masked in responses.',
      { secret: true },
    ),
  ],
  read(input: DestinationInput): WebhookDestination {
    const url = readEndpointUrl(input, 'url');
    const headers = readExtraHeaders(input);
    input.onlyKnown(['type', 'url', 'headers']);
    return { type: 'webhook', url, headers };
  },
  openApiSchema: {
    type: 'object',
    required: ['type', 'url'],
    additionalProperties: false,
    properties: {
      type: { const: 'webhook' },
      url: { type: 'string', format: 'uri', maxLength: 2048 },
      headers: extraHeadersSchema(
        RESERVED_HEADERS,
        'Extra request headers: an object, or a string holding one as JSON (stored and returned as the object); null for none. Values are encrypted at rest and masked in responses.',
      ),
    },
  },
  previewHeaders: (destination) =>
    Object.fromEntries(Object.keys(destination.headers).map((name) => [name, SECRET_MASK])),
};
