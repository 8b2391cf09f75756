import type { SqsDestination } from '@herald/domain';
import type { BodyReader } from '../common/body-reader';

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

function readUrl(reader: BodyReader, field: string): string | null {
  const value = reader.string(field, { max: 2048 });
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    reader.problem(field, 'must be an absolute URL');
    return value;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    reader.problem(field, 'must be an http or https URL');
  else if (url.username || url.password) reader.problem(field, 'must not carry credentials');
  return value;
}

/**
 * `{type: "sqs", region, queue_name | queue_url, access_key_id + secret_access_key?, endpoint_url?}`.
 * Without keys the deliverer uses the AWS SDK's default credential chain (its own role).
 */
export function readSqsDestination(reader: BodyReader): SqsDestination {
  const region = reader.string('region', {
    required: true,
    max: 50,
    pattern: REGION,
    hint: 'must be an AWS region such as eu-west-1',
  });
  const queueName =
    reader.string('queue_name', {
      max: 80,
      pattern: QUEUE_NAME,
      hint: 'must be 1 to 80 letters, digits, hyphens or underscores, ending in .fifo for a FIFO queue',
    }) ?? null;
  const queueUrl = readUrl(reader, 'queue_url');
  if (queueName === null && queueUrl === null)
    reader.problem('queue_name', 'is required unless queue_url is given');
  if (queueName !== null && queueUrl !== null)
    reader.problem('queue_url', 'must not be given with queue_name; give one of them');

  const accessKeyId =
    reader.string('access_key_id', {
      max: 128,
      pattern: ACCESS_KEY_ID,
      hint: 'must be an AWS access key id (letters and digits)',
    }) ?? null;
  const secretAccessKey = reader.string('secret_access_key', { max: 256 }) ?? null;
  if (secretAccessKey === '') reader.problem('secret_access_key', 'must not be empty');
  if (accessKeyId !== null && secretAccessKey === null)
    reader.problem('secret_access_key', 'is required with access_key_id');
  if (accessKeyId === null && secretAccessKey !== null)
    reader.problem('access_key_id', 'is required with secret_access_key');

  const endpointUrl = readUrl(reader, 'endpoint_url');
  reader.onlyKnown(FIELDS);
  return { type: 'sqs', region, queueName, queueUrl, accessKeyId, secretAccessKey, endpointUrl };
}
