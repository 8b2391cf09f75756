import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent } from 'undici';
import { HERALD_CONFIG } from '@herald/config';
import {
  classifyHttpStatus,
  parseRetryAfter,
  webhookHeaders,
  type SendResult,
  type WebhookDestination,
} from '@herald/domain';
import { clientSpan, failSpan, type Attributes } from '@herald/observability';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import { AttemptDeadlines, type Abort } from '../attempt-deadlines';
import { deadlineOf, post, truncateUtf8 } from './webhook-call';
import type { DestinationSender, SendRequest } from '../destination-sender';
import {
  checkLiteralHost,
  guardedLookup,
  PrivateDestinationError,
  unwrapPrivateDestination,
} from '../guarded-lookup';
import type { DelivererConfig } from '../../deliverer.config';

const EXCERPT_BYTES = 4096;
/** With `debug` on, the whole answer and request are kept up to this size. */
const DEBUG_BODY_BYTES = 64 * 1024;

/** Sends signed webhook POSTs over a keep-alive pool; redirects are not followed. */
@Injectable()
export class WebhookSender implements DestinationSender<'webhook'>, OnApplicationShutdown {
  readonly type = 'webhook';
  private readonly agent: Agent;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: DelivererConfig,
    private readonly deadlines: AttemptDeadlines,
  ) {
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 128,
      headersTimeout: config.delivery.timeoutMs,
      bodyTimeout: config.delivery.timeoutMs,
      connect: {
        timeout: config.delivery.timeoutMs,
        lookup: guardedLookup(config.delivery.allowPrivateDestinations),
      },
    });
  }

  async send(input: SendRequest<WebhookDestination>): Promise<SendResult> {
    const url = new URL(input.destination.url);
    const refused = checkLiteralHost(url, this.config.delivery.allowPrivateDestinations);
    if (refused) return this.refusal(refused);
    const requestBody = input.debug ? truncateUtf8(input.payload, DEBUG_BODY_BYTES) : null;
    const timestamp = Math.floor((input.now ?? new Date()).getTime() / 1000);
    const headers = webhookHeaders(input.destination.headers, input.signingSecrets, {
      messageId: input.messageId,
      timestamp,
      body: input.payload,
    });
    return clientSpan(
      'POST',
      () => webhookSpanAttributes(url, input.messageId),
      async (span) => {
        try {
          const response = await post(
            this.agent,
            url,
            headers,
            input.payload,
            input.debug ? DEBUG_BODY_BYTES : EXCERPT_BYTES,
            input.signal ? deadlineOf(input.signal) : this.watchDeadline,
          );
          const verdict = classifyHttpStatus(response.statusCode);
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
          if (verdict === 'success')
            return {
              ok: true,
              statusCode: response.statusCode,
              responseExcerpt: response.excerpt,
              requestBody,
            };
          const message = `receiver answered ${response.statusCode}`;
          failSpan(span, String(response.statusCode), message);
          return {
            ok: false,
            failure: verdict,
            statusCode: response.statusCode,
            message,
            responseExcerpt: response.excerpt,
            retryAfterMs:
              response.statusCode === 429 || response.statusCode === 503
                ? parseRetryAfter(response.retryAfter)
                : null,
            gone: response.statusCode === 410,
            requestBody,
          };
        } catch (error) {
          const cause = unwrapPrivateDestination(error);
          if (cause instanceof PrivateDestinationError) {
            failSpan(span, 'private_destination', cause.message);
            return this.refusal(cause);
          }
          const message = describeNetworkError(cause);
          failSpan(span, networkErrorType(cause), message);
          return {
            ok: false,
            failure: 'retryable',
            statusCode: null,
            message,
            responseExcerpt: null,
            retryAfterMs: null,
            gone: false,
            requestBody,
          };
        }
      },
    );
  }

  private readonly watchDeadline = (abort: Abort): (() => void) => this.deadlines.watch(abort);

  private refusal(error: PrivateDestinationError): SendResult {
    return {
      ok: false,
      failure: 'permanent',
      statusCode: null,
      message: error.message,
      responseExcerpt: null,
      retryAfterMs: null,
      gone: false,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}

/**
 * Where the call went, without the path or query: tenants' endpoints often carry a credential there
 * (Slack-style hook URLs, `?token=`), and traces are readable by more people than secrets are.
 * No `traceparent` is sent to the endpoint either: trace ids are Herald's internals.
 */
function webhookSpanAttributes(url: URL, deliveryId: string): Attributes {
  return {
    [ATTR_HTTP_REQUEST_METHOD]: 'POST',
    [ATTR_URL_SCHEME]: url.protocol.replace(/:$/, ''),
    [ATTR_SERVER_ADDRESS]: url.hostname,
    [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    'herald.delivery.id': deliveryId,
  };
}

/** `error.type` of a call that got no answer: low-cardinality, like `timeout` or `ECONNREFUSED`. */
function networkErrorType(error: unknown): string {
  if (!isErrorLike(error)) return 'error';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
  return (
    (error as NodeJS.ErrnoException).code ??
    (error.cause as NodeJS.ErrnoException | undefined)?.code ??
    error.name
  );
}

/**
 * An Error by its shape: errors of Node's own (an AbortSignal's TimeoutError is a DOMException) may
 * come from another realm than this module's `Error`, as under jest.
 */
function isErrorLike(error: unknown): error is Error {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as Error).name === 'string' &&
    typeof (error as Error).message === 'string'
  );
}

/** What went wrong with a call that got no answer, for the attempt's history. */
export function describeNetworkError(error: unknown): string {
  if (!isErrorLike(error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
  const code =
    (error as NodeJS.ErrnoException).code ??
    (error.cause as NodeJS.ErrnoException | undefined)?.code;
  return code ? `${code}: ${error.message}` : error.message;
}
