import { Type } from '@sinclair/typebox';
import { Nullable, PROBLEM, SECRET } from '../../schema-problems';
import { schemaKind } from '../destination-kind';
import { checkHttpUrl } from '../http-settings';

/**
 * The destination as Herald keeps it, beside the schema's snake_case input (`Static<typeof
 * SqsDestinationSchema>`) rather than derived from it: its names are the stored ones (subscriptions'
 * `destination` JSON, its sealed secrets, the SQL that reads `queueUrl`), and every setting left out
 * is null here. Each setting's `field` maps one name to the other.
 */
export interface SqsDestination {
  type: 'sqs';
  region: string;
  queueName: string | null;
  queueUrl: string | null;
  accessKeyId: string | null;
  secretAccessKey: string | null;
  endpointUrl: string | null;
}

/** A setting that may be left out or null. */
const optional = (options: Parameters<typeof Type.String>[0]) =>
  Type.Optional(Nullable(Type.String(options)));

/**
 * `{type: "sqs", region, queue_name | queue_url, access_key_id + secret_access_key?, endpoint_url?}`.
 * Without keys the deliverer uses the AWS SDK's default credential chain (its own role).
 */
export const SqsDestinationSchema = Type.Object(
  {
    type: Type.Literal('sqs'),
    // Letters, digits and hyphens only: without an endpoint_url the region becomes part of the host
    // name the SDK connects to, so it must not be able to name another host.
    region: Type.String({
      maxLength: 50,
      pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
      example: 'eu-west-1',
      [PROBLEM]: { pattern: 'must be an AWS region such as eu-west-1' },
      description: 'The AWS region of the queue, e.g. eu-west-1.',
    }),
    // SQS's own rule: up to 80 letters, digits, hyphens and underscores, `.fifo` included.
    queue_name: optional({
      maxLength: 80,
      pattern: '^[A-Za-z0-9_-]+(\\.fifo)?$',
      example: 'billing-events',
      [PROBLEM]: {
        pattern:
          'must be 1 to 80 letters, digits, hyphens or underscores, ending in .fifo for a FIFO queue',
      },
      description: 'The queue name; give this or queue_url.',
    }),
    queue_url: optional({
      format: 'uri',
      maxLength: 2048,
      description: 'The queue URL; give this or queue_name.',
    }),
    access_key_id: optional({
      maxLength: 128,
      pattern: '^[A-Za-z0-9]+$',
      example: 'AKIAIOSFODNN7EXAMPLE',
      [PROBLEM]: { pattern: 'must be an AWS access key id (letters and digits)' },
      description: 'The AWS access key id; given with secret_access_key, or neither.',
    }),
    secret_access_key: optional({
      minLength: 1,
      maxLength: 256,
      [SECRET]: true,
      description:
        'The AWS secret access key for access_key_id, required with it. Encrypted at rest and masked ' +
        '(********) in responses; sending the mask back on update keeps the stored key.',
    }),
    endpoint_url: optional({
      format: 'uri',
      maxLength: 2048,
      description: 'A different SQS endpoint, for SQS-compatible servers or VPC endpoints.',
    }),
  },
  {
    additionalProperties: false,
    description:
      'Sends each event as one message to an Amazon SQS (or SQS-compatible) queue: the delivered body as ' +
      'message body, with event_type, event_id and delivery_id message attributes. A FIFO queue (its ' +
      'name ending in .fifo) gets the subscription id as MessageGroupId and the delivery id as ' +
      'MessageDeduplicationId. Give queue_name or queue_url, not both. Without keys Herald uses its ' +
      'own AWS credentials (the SDK default chain).',
  },
);

const given = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export const sqsKind = schemaKind<typeof SqsDestinationSchema, SqsDestination>({
  type: 'sqs',
  name: 'AWS SQS',
  description: 'Sends each event as a message to an Amazon SQS (or SQS-compatible) queue.',
  schema: SqsDestinationSchema,
  documented: {
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
  },
  read(value, check): SqsDestination {
    const queueName = given(value.queue_name);
    const queueUrl = given(value.queue_url);
    checkHttpUrl(queueUrl, 'queue_url', check, true);
    if (queueName === null && queueUrl === null)
      check.problem('queue_name', 'is required unless queue_url is given');
    if (queueName !== null && queueUrl !== null)
      check.problem('queue_url', 'must not be given with queue_name; give one of them');
    const accessKeyId = given(value.access_key_id);
    const secretAccessKey = given(value.secret_access_key);
    if (accessKeyId !== null && secretAccessKey === null)
      check.problem('secret_access_key', 'is required with access_key_id');
    if (accessKeyId === null && secretAccessKey !== null)
      check.problem('access_key_id', 'is required with secret_access_key');
    const endpointUrl = given(value.endpoint_url);
    checkHttpUrl(endpointUrl, 'endpoint_url', check, true);
    return {
      type: 'sqs',
      region: given(value.region) ?? '',
      queueName,
      queueUrl,
      accessKeyId,
      secretAccessKey,
      endpointUrl,
    };
  },
});
