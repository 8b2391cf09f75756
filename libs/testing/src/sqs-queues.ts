import { randomBytes } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { waitFor } from './wait-for';

/** ElasticMQ takes any region and any keys; these only have to be well formed. */
export const TEST_SQS_REGION = 'eu-west-1';
export const TEST_SQS_KEYS = { accessKeyId: 'AKIAHERALDTEST', secretAccessKey: 'test-secret' };

export interface ReceivedSqsMessage {
  messageId: string;
  body: string;
  /** String message attributes by name. */
  attributes: Record<string, string>;
  groupId: string | undefined;
  deduplicationId: string | undefined;
}

/**
 * The run's ElasticMQ (started by the global setup, at HERALD_TEST_SQS_ENDPOINT), as a consumer of
 * a destination queue sees it: create queues, and take the messages that arrived.
 */
export class SqsQueues {
  readonly endpoint: string;
  private readonly client: SQSClient;

  constructor(endpoint = process.env.HERALD_TEST_SQS_ENDPOINT) {
    if (!endpoint)
      throw new Error('HERALD_TEST_SQS_ENDPOINT is not set (no ElasticMQ for this run)');
    this.endpoint = endpoint;
    this.client = new SQSClient({
      region: TEST_SQS_REGION,
      endpoint,
      credentials: TEST_SQS_KEYS,
    });
  }

  /** A fresh queue whose name starts with `prefix`; FIFO when `fifo`. Returns its name and URL. */
  async create(prefix: string, fifo = false): Promise<{ name: string; url: string }> {
    return this.createNamed(`${prefix}-${randomBytes(4).toString('hex')}${fifo ? '.fifo' : ''}`);
  }

  /** A queue of exactly this name; FIFO when it ends in `.fifo`. */
  async createNamed(name: string): Promise<{ name: string; url: string }> {
    const created = await this.client.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: name.endsWith('.fifo') ? { FifoQueue: 'true' } : {},
      }),
    );
    if (!created.QueueUrl) throw new Error(`CreateQueue returned no URL for ${name}`);
    return { name, url: created.QueueUrl };
  }

  async delete(queueUrl: string): Promise<void> {
    await this.client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  }

  /** Receives and deletes messages until `count` have arrived, in the order the queue gave them. */
  async take(queueUrl: string, count: number, timeoutMs = 20_000): Promise<ReceivedSqsMessage[]> {
    const taken: ReceivedSqsMessage[] = [];
    await waitFor(
      `${count} messages in ${queueUrl} (have ${taken.length})`,
      async () => {
        taken.push(...(await this.receive(queueUrl, 1)));
        return taken.length >= count;
      },
      timeoutMs,
    );
    return taken;
  }

  /** Whatever arrives within `waitSeconds`, received and deleted (for "nothing else came"). */
  async receive(queueUrl: string, waitSeconds: number): Promise<ReceivedSqsMessage[]> {
    const answer = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
      }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length > 0) {
      await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
    return messages.map((message) => ({
      messageId: message.MessageId ?? '',
      body: message.Body ?? '',
      attributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          value.StringValue ?? '',
        ]),
      ),
      groupId: message.Attributes?.MessageGroupId,
      deduplicationId: message.Attributes?.MessageDeduplicationId,
    }));
  }

  close(): void {
    this.client.destroy();
  }
}
