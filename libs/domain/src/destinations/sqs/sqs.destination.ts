import { setting, type DestinationInput, type DestinationKind } from '../destination-kind';

export interface SqsDestination {
  type: 'sqs';
  region: string;
  queueName: string | null;
  queueUrl: string | null;
  accessKeyId: string | null;
  secretAccessKey: string | null;
  endpointUrl: string | null;
}

/**
 * Letters, digits and hyphens only: without an endpoint_url the region becomes part of the host
 * name the SDK connects to, so it must not be able to name another host.
 */
const REGION = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** SQS's own rule: up to 80 letters, digits, hyphens and underscores, `.fifo` included. */
const QUEUE_NAME = /^[A-Za-z0-9_-]+(\.fifo)?$/;
const ACCESS_KEY_ID = /^[A-Za-z0-9]+$/;
const FIELDS = [
  'type',
  'region',
  'queue_name',
  'queue_url',
  'access_key_id',
  'secret_access_key',
  'endpoint_url',
] as const;

function readUrl(input: DestinationInput, field: string): string | null {
  const value = input.string(field, { max: 2048 });
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    input.problem(field, 'must be an absolute URL');
    return value;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    input.problem(field, 'must be an http or https URL');
  else if (url.username || url.password) input.problem(field, 'must not carry credentials');
  return value;
}

/**
 * `{type: "sqs", region, queue_name | queue_url, access_key_id + secret_access_key?, endpoint_url?}`.
 * Without keys the deliverer uses the AWS SDK's default credential chain (its own role).
 */
function readSqsDestination(input: DestinationInput): SqsDestination {
  const region = input.string('region', {
    required: true,
    max: 50,
    pattern: REGION,
    hint: 'must be an AWS region such as eu-west-1',
  });
  const queueName =
    input.string('queue_name', {
      max: 80,
      pattern: QUEUE_NAME,
      hint: 'must be 1 to 80 letters, digits, hyphens or underscores, ending in .fifo for a FIFO queue',
    }) ?? null;
  const queueUrl = readUrl(input, 'queue_url');
  if (queueName === null && queueUrl === null)
    input.problem('queue_name', 'is required unless queue_url is given');
  if (queueName !== null && queueUrl !== null)
    input.problem('queue_url', 'must not be given with queue_name; give one of them');

  const accessKeyId =
    input.string('access_key_id', {
      max: 128,
      pattern: ACCESS_KEY_ID,
      hint: 'must be an AWS access key id (letters and digits)',
    }) ?? null;
  const secretAccessKey = input.string('secret_access_key', { max: 256 }) ?? null;
  if (secretAccessKey === '') input.problem('secret_access_key', 'must not be empty');
  if (accessKeyId !== null && secretAccessKey === null)
    input.problem('secret_access_key', 'is required with access_key_id');
  if (accessKeyId === null && secretAccessKey !== null)
    input.problem('access_key_id', 'is required with secret_access_key');

  const endpointUrl = readUrl(input, 'endpoint_url');
  input.onlyKnown(FIELDS);
  return { type: 'sqs', region, queueName, queueUrl, accessKeyId, secretAccessKey, endpointUrl };
}

export const sqsKind: DestinationKind<SqsDestination> = {
  type: 'sqs',
  name: 'AWS SQS',
  description: 'Sends each event as a message to an Amazon SQS (or SQS-compatible) queue.',
  settings: [
    setting('region', 'region', 'string', 'The AWS region of the queue, e.g. eu-west-1.', {
      required: true,
    }),
    setting('queue_name', 'queueName', 'string', 'The queue name; give this or queue_url.'),
    setting('queue_url', 'queueUrl', 'url', 'The queue URL; give this or queue_name.'),
    setting('access_key_id', 'accessKeyId', 'string', 'The AWS access key id.'),
    setting(
      'secret_access_key',
      'secretAccessKey',
      'string',
      'The AWS secret access key for access_key_id.',
      { secret: true },
    ),
    setting(
      'endpoint_url',
      'endpointUrl',
      'url',
      'A different SQS endpoint, for SQS-compatible servers or VPC endpoints.',
    ),
  ],
  read: readSqsDestination,
  openApiSchema: {
    type: 'object',
    required: ['type', 'region'],
    additionalProperties: false,
    description:
      'Sends each event as one message to an Amazon SQS (or SQS-compatible) queue: the delivered body as ' +
      'message body, with event_type, event_id and delivery_id message attributes. A FIFO queue (its ' +
      'name ending in .fifo) gets the subscription id as MessageGroupId and the delivery id as ' +
      'MessageDeduplicationId. Give queue_name or queue_url, not both. Without keys Herald uses its ' +
      'own AWS credentials (the SDK default chain).',
    if: { required: ['access_key_id'], properties: { access_key_id: { type: 'string' } } },
    then: {
      required: ['secret_access_key'],
      properties: { secret_access_key: { type: 'string' } },
    },
    else: { properties: { secret_access_key: { type: 'null' } } },
    oneOf: [
      {
        required: ['queue_name'],
        properties: { queue_name: { type: 'string' }, queue_url: { type: 'null' } },
      },
      {
        required: ['queue_url'],
        properties: { queue_url: { type: 'string' }, queue_name: { type: 'null' } },
      },
    ],
    properties: {
      type: { const: 'sqs' },
      region: {
        type: 'string',
        maxLength: 50,
        pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
        example: 'eu-west-1',
      },
      queue_name: {
        type: ['string', 'null'],
        pattern: '^[A-Za-z0-9_-]+(\\.fifo)?$',
        maxLength: 80,
        example: 'billing-events',
      },
      queue_url: { type: ['string', 'null'], format: 'uri', maxLength: 2048 },
      access_key_id: {
        type: ['string', 'null'],
        maxLength: 128,
        pattern: '^[A-Za-z0-9]+$',
        example: 'AKIAIOSFODNN7EXAMPLE',
        description: 'Given with secret_access_key, or neither.',
      },
      secret_access_key: {
        type: ['string', 'null'],
        minLength: 1,
        maxLength: 256,
        description:
          'Required with access_key_id. Encrypted at rest and masked (********) in responses; sending ' +
          'the mask back on update keeps the stored key.',
      },
      endpoint_url: {
        type: ['string', 'null'],
        format: 'uri',
        maxLength: 2048,
        description: 'Another SQS endpoint, for SQS-compatible servers or VPC endpoints.',
      },
    },
  },
};
