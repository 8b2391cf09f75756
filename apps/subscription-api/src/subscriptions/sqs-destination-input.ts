import type { SqsDestination } from '@herald/domain';
import type { BodyReader } from '../common/body-reader';

/** `{type: "sqs", region, queue_name | queue_url, access_key_id, secret_access_key, endpoint_url?}`. */
export function readSqsDestination(reader: BodyReader): SqsDestination {
  reader.problem('type', 'sqs destinations are not available yet');
  return {
    type: 'sqs',
    region: '',
    queueName: null,
    queueUrl: null,
    accessKeyId: null,
    secretAccessKey: null,
    endpointUrl: null,
  };
}
