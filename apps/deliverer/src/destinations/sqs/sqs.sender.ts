import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  GetQueueUrlCommand,
  SendMessageCommand,
  SQSClient,
  type SendMessageCommandInput,
} from '@aws-sdk/client-sqs';
import { HERALD_CONFIG } from '@herald/config';
import { failedSend, type SendResult, type SqsDestination } from '@herald/domain';
import {
  clientSpan,
  MessagingAttributes,
  messagingSystem,
  type Attributes,
} from '@herald/observability';
import {
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
} from '@opentelemetry/semantic-conventions';
import { checkLiteralHost, guardedLookup, PrivateDestinationError } from '../guarded-lookup';
import type { DestinationSender, SendRequest } from '../destination-sender';
import { recordSendResult } from '../send-span';
import type { DelivererConfig } from '../../deliverer.config';

type SqsRequest = SendRequest<SqsDestination>;

const MAX_CLIENTS = 100;
const MAX_QUEUE_URLS = 1000;

const QUEUE_MISSING = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);
/** Answers that say "not now" rather than "never"; SQS signals throttling with a 400. */
const RETRYABLE_ERRORS = new Set([
  'RequestThrottled',
  'AWS.SimpleQueueService.RequestThrottled',
  'ThrottlingException',
  'Throttling',
  'KmsThrottled',
  'OverLimit',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
]);

/** What the SDK attaches to the errors it raises (a service answer has `$metadata.httpStatusCode`). */
interface AwsError extends Error {
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** A map that forgets the entry used longest ago once it holds `limit` entries. */
class Lru<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly limit: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * Sends each delivery as one SQS message. Clients are cached per region, endpoint and keys; they
 * all share two keep-alive agents whose DNS lookup refuses private addresses (unless allowed), so
 * the address checked is the address connected to, as for webhooks.
 */
@Injectable()
export class SqsSender implements DestinationSender<'sqs'>, OnApplicationShutdown {
  readonly type = 'sqs';
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  private readonly clients = new Lru<SQSClient>(MAX_CLIENTS);
  private readonly queueUrls = new Lru<string>(MAX_QUEUE_URLS);

  constructor(@Inject(HERALD_CONFIG) private readonly config: DelivererConfig) {
    const agentOptions = {
      keepAlive: true,
      maxSockets: 128,
      lookup: guardedLookup(config.delivery.allowPrivateDestinations),
    };
    this.httpAgent = new HttpAgent(agentOptions);
    this.httpsAgent = new HttpsAgent(agentOptions);
  }

  send(request: SqsRequest): Promise<SendResult> {
    return clientSpan(
      'SQS SendMessage',
      () => sqsSpanAttributes(request),
      async (span) =>
        recordSendResult(span, await this.sendMessage(request), ATTR_HTTP_RESPONSE_STATUS_CODE),
    );
  }

  private async sendMessage({ destination, body, payload }: SqsRequest): Promise<SendResult> {
    const queue = destination.queueUrl ?? destination.queueName ?? '';
    // One budget for the whole attempt, the queue URL lookup included.
    const abortSignal = AbortSignal.timeout(this.config.delivery.timeoutMs);
    const key = clientKey(destination);
    try {
      const refused = this.checkHosts(destination.endpointUrl, destination.queueUrl);
      if (refused) return refusal(refused);
      const client = this.clientFor(key, destination);
      const queueUrl =
        destination.queueUrl ?? (await this.resolveQueueUrl(client, key, destination, abortSignal));
      const resolvedRefusal = destination.endpointUrl ? null : this.checkHosts(queueUrl);
      if (resolvedRefusal) return refusal(resolvedRefusal);
      const input: SendMessageCommandInput = {
        QueueUrl: queueUrl,
        MessageBody: payload,
        MessageAttributes: {
          event_type: { DataType: 'String', StringValue: body.type },
          event_id: { DataType: 'String', StringValue: body.id },
          delivery_id: { DataType: 'String', StringValue: body.delivery_id },
        },
      };
      if (isFifo(destination)) {
        // One group per subscription keeps its order; the delivery id makes a re-sent attempt a no-op
        // within SQS's five-minute deduplication window.
        input.MessageGroupId = body.subscription_id;
        input.MessageDeduplicationId = body.delivery_id;
      }
      const sent = await client.send(new SendMessageCommand(input), { abortSignal });
      return {
        ok: true,
        statusCode: sent.$metadata.httpStatusCode ?? null,
        responseExcerpt: `MessageId ${sent.MessageId ?? 'unknown'}`,
      };
    } catch (error) {
      if (QUEUE_MISSING.has((error as AwsError).name) && destination.queueName) {
        this.queueUrls.delete(queueKey(key, destination.queueName));
      }
      return classify(error, queue, destination.region);
    }
  }

  private async resolveQueueUrl(
    client: SQSClient,
    key: string,
    destination: SqsDestination,
    abortSignal: AbortSignal,
  ): Promise<string> {
    const name = destination.queueName ?? '';
    const cached = this.queueUrls.get(queueKey(key, name));
    if (cached) return cached;
    const answer = await client.send(new GetQueueUrlCommand({ QueueName: name }), { abortSignal });
    if (!answer.QueueUrl) {
      throw Object.assign(new Error(`GetQueueUrl returned no URL for ${name}`), {
        name: 'QueueDoesNotExist',
      });
    }
    this.queueUrls.set(queueKey(key, name), answer.QueueUrl);
    return answer.QueueUrl;
  }

  /** Literal IP hosts never reach the agents' lookup, so they are checked before connecting. */
  private checkHosts(...urls: (string | null)[]): PrivateDestinationError | null {
    for (const url of urls) {
      if (url === null) continue;
      const refused = checkLiteralHost(new URL(url), this.config.delivery.allowPrivateDestinations);
      if (refused) return refused;
    }
    return null;
  }

  private clientFor(key: string, destination: SqsDestination): SQSClient {
    const { region, endpointUrl, accessKeyId, secretAccessKey } = destination;
    let client = this.clients.get(key);
    if (!client) {
      client = new SQSClient({
        region,
        ...(endpointUrl ? { endpoint: endpointUrl } : {}),
        // Without keys: the SDK's default chain (environment, profile, container or instance role).
        ...(accessKeyId && secretAccessKey
          ? { credentials: { accessKeyId, secretAccessKey } }
          : {}),
        // Herald's retry ladder retries, and records each attempt; the SDK must not retry inside one.
        maxAttempts: 1,
        requestHandler: {
          httpAgent: this.httpAgent,
          httpsAgent: this.httpsAgent,
          connectionTimeout: this.config.delivery.timeoutMs,
          requestTimeout: this.config.delivery.timeoutMs,
        },
      });
      // An evicted client is dropped, not destroyed: destroying it would close the shared agents.
      this.clients.set(key, client);
    }
    return client;
  }

  async onApplicationShutdown(): Promise<void> {
    this.clients.clear();
    this.queueUrls.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    return Promise.resolve();
  }
}

/** An SQS send as the messaging and AWS SDK conventions name it; no account keys, no queue URL. */
function sqsSpanAttributes({ destination, body }: SqsRequest): Attributes {
  let queueName: string | null | undefined = destination.queueName;
  let server: string | null = null;
  try {
    queueName ??= new URL(destination.queueUrl ?? '').pathname.split('/').filter(Boolean).pop();
    if (destination.endpointUrl) server = new URL(destination.endpointUrl).hostname;
  } catch {
    // An invalid URL fails the send itself, with its reason; the span just names less.
  }
  return {
    ...messagingSystem('aws_sqs'),
    [MessagingAttributes.operationType]: 'send',
    [MessagingAttributes.operationName]: 'SendMessage',
    ...(queueName ? { [MessagingAttributes.destinationName]: queueName } : {}),
    'rpc.system': 'aws-api',
    'rpc.service': 'SQS',
    'rpc.method': 'SendMessage',
    'cloud.region': destination.region,
    ...(server ? { [ATTR_SERVER_ADDRESS]: server } : {}),
    'herald.delivery.id': body.delivery_id,
  };
}

/** Region, endpoint and keys; a changed secret gets a new client, and only its hash is kept. */
function clientKey({ region, endpointUrl, accessKeyId, secretAccessKey }: SqsDestination): string {
  const secretHash = secretAccessKey
    ? createHash('sha256').update(secretAccessKey).digest('base64url')
    : '';
  return JSON.stringify([region, endpointUrl, accessKeyId, secretHash]);
}

function queueKey(clientKey: string, queueName: string): string {
  return `${clientKey}\n${queueName}`;
}

function isFifo(destination: SqsDestination): boolean {
  const name = destination.queueName ?? new URL(destination.queueUrl ?? '').pathname;
  return name.replace(/\/+$/, '').endsWith('.fifo');
}

/** Service answers: a missing queue and other 4xx are permanent; throttling, 5xx and network trouble retry. */
function classify(raw: unknown, queue: string, region: string): SendResult {
  const error = (raw instanceof Error ? raw : new Error(String(raw))) as AwsError;
  const private_ =
    error instanceof PrivateDestinationError
      ? error
      : error.cause instanceof PrivateDestinationError
        ? error.cause
        : null;
  if (private_) return refusal(private_);
  const status = error.$metadata?.httpStatusCode ?? null;
  const detail = `${error.name}: ${error.message}`;
  if (QUEUE_MISSING.has(error.name)) {
    return failedSend(
      'permanent',
      `queue ${queue} does not exist (region ${region})`,
      status,
      detail,
    );
  }
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return failedSend('retryable', 'SQS did not answer in time', status, null);
  }
  if (error.name === 'CredentialsProviderError') {
    return failedSend(
      'ours',
      `no AWS credentials: the destination has no keys and the default chain found none (${error.message})`,
      null,
      null,
    );
  }
  if (error.code === 'ERR_INVALID_URL') {
    return failedSend(
      'permanent',
      `the destination has an invalid URL: ${error.message}`,
      null,
      null,
    );
  }
  if (status === null) {
    const code = error.code ?? (error.cause as NodeJS.ErrnoException | undefined)?.code;
    return failedSend(
      'retryable',
      `SQS unreachable: ${code ? `${code}: ` : ''}${error.message}`,
      null,
      null,
    );
  }
  const retryable =
    RETRYABLE_ERRORS.has(error.name) ||
    status === 408 ||
    status === 429 ||
    status >= 500 ||
    error.$fault === 'server';
  return failedSend(
    retryable ? 'retryable' : 'permanent',
    `SQS answered ${status} ${detail}`,
    status,
    detail,
  );
}

function refusal(error: PrivateDestinationError): SendResult {
  return failedSend('permanent', error.message, null, null);
}
