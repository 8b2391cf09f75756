import type { DestinationType } from './subscription';

/**
 * How a setting is entered: `string` and `url` are single values, `string_list` a list of values,
 * `string_map` name → value pairs (such as HTTP headers).
 */
export type DestinationSettingType = 'string' | 'url' | 'string_list' | 'string_map';

/** One setting of a destination type, enough for a UI to draw its form field (SolarNetwork's setting specifier). */
export interface DestinationSetting {
  name: string;
  type: DestinationSettingType;
  required: boolean;
  /** Stored encrypted and masked in every response (for a `string_map`, its values). */
  secret: boolean;
  description: string;
}

/** A kind of destination (hook service) a subscription can deliver to, with its settings. */
export interface DestinationTypeDescriptor {
  type: DestinationType;
  name: string;
  description: string;
  settings: DestinationSetting[];
}

const setting = (
  name: string,
  type: DestinationSettingType,
  description: string,
  options: { required?: boolean; secret?: boolean } = {},
): DestinationSetting => ({
  name,
  type,
  required: options.required ?? false,
  secret: options.secret ?? false,
  description,
});

/** Keyed by type, so adding a destination kind does not compile until it is described here. */
const REGISTRY: Record<DestinationType, Omit<DestinationTypeDescriptor, 'type'>> = {
  webhook: {
    name: 'Webhook',
    description:
      'POSTs each event as JSON to an HTTP endpoint, signed the Standard Webhooks way ' +
      '(webhook-id, webhook-timestamp, webhook-signature headers).',
    settings: [
      setting('url', 'url', 'The http or https URL to POST to; redirects are not followed.', {
        required: true,
      }),
      setting(
        'headers',
        'string_map',
        'Extra request headers, e.g. an Authorization token; values are encrypted at rest and masked in responses.',
        { secret: true },
      ),
    ],
  },
  email: {
    name: 'Email',
    description: 'Sends each event by email, its delivered body attached as JSON.',
    settings: [setting('to', 'string_list', 'The email addresses to send to.', { required: true })],
  },
  sqs: {
    name: 'AWS SQS',
    description: 'Sends each event as a message to an Amazon SQS (or SQS-compatible) queue.',
    settings: [
      setting('region', 'string', 'The AWS region of the queue, e.g. eu-west-1.', {
        required: true,
      }),
      setting('queue_name', 'string', 'The queue name; give this or queue_url.'),
      setting('queue_url', 'url', 'The queue URL; give this or queue_name.'),
      setting('access_key_id', 'string', 'The AWS access key id.'),
      setting('secret_access_key', 'string', 'The AWS secret access key for access_key_id.', {
        secret: true,
      }),
      setting(
        'endpoint_url',
        'url',
        'A different SQS endpoint, for SQS-compatible servers or VPC endpoints.',
      ),
    ],
  },
};

/** Every destination type Herald can deliver to, in a stable order. */
export function destinationTypes(): DestinationTypeDescriptor[] {
  return (Object.keys(REGISTRY) as DestinationType[]).map((type) => ({
    type,
    ...REGISTRY[type],
    settings: REGISTRY[type].settings.map((entry) => ({ ...entry })),
  }));
}
