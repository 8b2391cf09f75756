import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, request } from 'undici';
import { HERALD_CONFIG } from '@herald/config';
import {
  failedSend,
  type FailedSend,
  type OAuth2WebhookDestination,
  type SendResult,
} from '@herald/domain';
import { clientSpan, failSpan } from '@herald/observability';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
} from '@opentelemetry/semantic-conventions';
import type { DestinationSender, SendRequest } from '../destination-sender';
import {
  checkLiteralHost,
  guardedLookup,
  PrivateDestinationError,
  unwrapPrivateDestination,
} from '../guarded-lookup';
import { AttemptDeadlines } from '../attempt-deadlines';
import { describeNetworkError, WebhookSender } from '../webhook/webhook.sender';
import { AccessTokens, reuseUntil, type AccessToken } from './access-tokens';
import type { DelivererConfig } from '../../deliverer.config';

/** Enough of a token endpoint's answer for its error; the answer is never kept otherwise. */
const ERROR_EXCERPT_CHARS = 1024;
const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

/**
 * A webhook with an OAuth 2.0 access token (RFC 6749 §4.4, client credentials): the token is
 * fetched from the destination's token URL (client authenticated by HTTP Basic, §2.3.1), reused
 * until shortly before it expires, and fetched again once when the receiver answers 401. The POST
 * itself is the webhook sender's (signed, private addresses refused, redirects not followed).
 */
@Injectable()
export class OAuth2WebhookSender
  implements DestinationSender<'oauth2_webhook'>, OnApplicationShutdown
{
  readonly type = 'oauth2_webhook';
  private readonly agent: Agent;
  private readonly tokens: AccessTokens<FailedSend>;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: DelivererConfig,
    private readonly webhooks: WebhookSender,
    private readonly deadlines: AttemptDeadlines,
  ) {
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 16,
      headersTimeout: config.delivery.timeoutMs,
      bodyTimeout: config.delivery.timeoutMs,
      connect: {
        timeout: config.delivery.timeoutMs,
        lookup: guardedLookup(config.delivery.allowPrivateDestinations),
      },
    });
    this.tokens = new AccessTokens(
      (destination) => this.fetchToken(destination),
      (result): result is AccessToken => 'value' in result,
    );
  }

  async send(request: SendRequest<OAuth2WebhookDestination>): Promise<SendResult> {
    // Token fetches and POSTs of one attempt share one HERALD_DELIVERY_TIMEOUT_MS.
    const input = {
      ...request,
      signal: request.signal ?? this.deadlines.signal(),
    };
    const first = await withinBudget(this.tokens.get(input.destination), input.signal);
    if (!('value' in first)) return first;
    const result = await this.post(input, first);
    if (result.ok || result.statusCode !== 401) return result;
    // The token may have been revoked or rotated before it expired: one fresh token, one more try.
    this.tokens.forget(input.destination, first);
    const second = await withinBudget(this.tokens.get(input.destination), input.signal);
    if (!('value' in second)) return second;
    return this.post(input, second);
  }

  private post(input: SendRequest<OAuth2WebhookDestination>, token: AccessToken) {
    const { url, headers } = input.destination;
    return this.webhooks.send({
      ...input,
      destination: {
        type: 'webhook',
        url,
        headers: { ...headers, Authorization: `Bearer ${token.value}` },
      },
    });
  }

  private async fetchToken(
    destination: OAuth2WebhookDestination,
  ): Promise<AccessToken | FailedSend> {
    const url = new URL(destination.tokenUrl);
    const refused = checkLiteralHost(url, this.config.delivery.allowPrivateDestinations);
    if (refused) return tokenRefusal(refused);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (destination.scope !== null) form.set('scope', destination.scope);
    if (destination.audience !== null) form.set('audience', destination.audience);
    const basic = Buffer.from(
      `${encodeURIComponent(destination.clientId)}:${encodeURIComponent(destination.clientSecret)}`,
    ).toString('base64');
    const attributes = () => ({
      [ATTR_HTTP_REQUEST_METHOD]: 'POST',
      [ATTR_SERVER_ADDRESS]: url.hostname,
      'herald.oauth2.token_request': true,
    });
    return clientSpan('POST', attributes, async (span) => {
      try {
        const response = await request(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
            authorization: `Basic ${basic}`,
            'user-agent': 'Herald-Webhooks/0.1',
          },
          body: form.toString(),
          dispatcher: this.agent,
          signal: this.deadlines.signal(),
        });
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
        const text = await readText(response.body);
        const answer = parseJson(text);
        if (response.statusCode < 200 || response.statusCode >= 300) {
          const reason = tokenError(answer);
          const message = `token endpoint answered ${response.statusCode}${reason ? `: ${reason}` : ''}`;
          failSpan(span, String(response.statusCode), message);
          return failedSend('retryable', message, null, text.slice(0, ERROR_EXCERPT_CHARS));
        }
        const token = readToken(answer, Date.now());
        if (typeof token === 'string') {
          failSpan(span, 'invalid_token_response', token);
          return failedSend('retryable', token);
        }
        return token;
      } catch (error) {
        const cause = unwrapPrivateDestination(error);
        if (cause instanceof PrivateDestinationError) {
          failSpan(span, 'private_destination', cause.message);
          return tokenRefusal(cause);
        }
        const message = `token endpoint unreachable: ${describeNetworkError(cause)}`;
        failSpan(span, 'token_endpoint_unreachable', message);
        return failedSend('retryable', message);
      }
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.tokens.clear();
    await this.agent.close();
  }
}

/**
 * The token, or a timeout once the attempt's budget is spent. The fetch itself goes on (it is shared
 * with other deliveries to the same client) under its own timeout.
 */
function withinBudget(
  token: Promise<AccessToken | FailedSend>,
  signal: AbortSignal,
): Promise<AccessToken | FailedSend> {
  const timedOut = () => failedSend('retryable', 'token endpoint timed out');
  if (signal.aborted) return Promise.resolve(timedOut());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(timedOut());
    signal.addEventListener('abort', onAbort, { once: true });
    token.then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function tokenRefusal(error: PrivateDestinationError): FailedSend {
  return failedSend('permanent', `token endpoint refused: ${error.message}`);
}

async function readText(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_TOKEN_ANSWER_BYTES) throw new Error('answer larger than 64 KiB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** RFC 6749 §5.2: `error` and, when given, `error_description`. */
function tokenError(answer: Record<string, unknown> | null): string | null {
  if (!answer || typeof answer.error !== 'string') return null;
  const description =
    typeof answer.error_description === 'string' ? ` (${answer.error_description})` : '';
  return `${answer.error}${description}`.slice(0, 300);
}

/** RFC 6749 §5.1: a Bearer `access_token`, and `expires_in` in seconds when the server says. */
function readToken(answer: Record<string, unknown> | null, now: number): AccessToken | string {
  if (!answer) return 'token endpoint answered without a JSON object';
  if (typeof answer.access_token !== 'string' || answer.access_token === '') {
    return 'token endpoint answered without an access_token';
  }
  if (typeof answer.token_type !== 'string' || answer.token_type.toLowerCase() !== 'bearer') {
    return `token endpoint answered token_type ${JSON.stringify(answer.token_type ?? null)}, not Bearer`;
  }
  // Some servers send expires_in as a string of digits.
  const seconds = Number(answer.expires_in);
  const expiresIn =
    (typeof answer.expires_in === 'number' || typeof answer.expires_in === 'string') &&
    Number.isFinite(seconds) &&
    seconds > 0
      ? seconds
      : null;
  return { value: answer.access_token, reuseUntil: reuseUntil(now, expiresIn) };
}
