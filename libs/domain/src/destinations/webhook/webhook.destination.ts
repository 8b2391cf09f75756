import { Type, type Static } from '@sinclair/typebox';
import { SECRET_MASK, schemaKind } from '../destination-kind';
import {
  checkEndpoint,
  endpointUrlSchema,
  extraHeadersSchema,
  RESERVED_HEADERS,
} from '../http-settings';

export const WebhookDestinationSchema = Type.Object(
  {
    type: Type.Literal('webhook'),
    url: endpointUrlSchema('The http or https URL to POST to; redirects are not followed.'),
    headers: Type.Optional(
      extraHeadersSchema(
        RESERVED_HEADERS,
        'Extra request headers, e.g. an Authorization token: an object, or a string holding one as JSON (stored and returned as the object); null for none. Values are encrypted at rest and masked in responses.',
      ),
    ),
  },
  { additionalProperties: false },
);

export interface WebhookDestination extends Omit<
  Static<typeof WebhookDestinationSchema>,
  'headers'
> {
  headers: Record<string, string>;
}

export const webhookKind = schemaKind<typeof WebhookDestinationSchema, WebhookDestination>({
  type: 'webhook',
  name: 'Webhook',
  description:
    'POSTs each event as JSON to an HTTP endpoint, signed the Standard Webhooks way ' +
    '(webhook-id, webhook-timestamp, webhook-signature headers).',
  schema: WebhookDestinationSchema,
  checkedByCode: ['headers'],
  read: (value, check): WebhookDestination => ({ type: 'webhook', ...checkEndpoint(value, check) }),
  previewHeaders: (destination) =>
    Object.fromEntries(Object.keys(destination.headers).map((name) => [name, SECRET_MASK])),
});
