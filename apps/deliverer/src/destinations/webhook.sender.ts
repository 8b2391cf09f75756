import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, request } from 'undici';
import { HERALD_CONFIG, type HeraldConfig } from '@herald/config';
import {
  classifyHttpStatus,
  parseRetryAfter,
  signatureHeaders,
  type SendResult,
  type WebhookDestination,
} from '@herald/domain';
import { checkLiteralHost, guardedLookup, PrivateDestinationError } from './guarded-lookup';

const EXCERPT_BYTES = 4096;
const DRAIN_LIMIT_BYTES = 64 * 1024;

export interface WebhookRequest {
  destination: WebhookDestination;
  signingSecrets: readonly string[];
  messageId: string;
  body: string;
  now?: Date;
}

/** Sends signed webhook POSTs over a keep-alive pool; redirects are not followed. */
@Injectable()
export class WebhookSender implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(@Inject(HERALD_CONFIG) private readonly config: HeraldConfig) {
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 128,
      headersTimeout: config.deliveryTimeoutMs,
      bodyTimeout: config.deliveryTimeoutMs,
      connect: {
        timeout: config.deliveryTimeoutMs,
        lookup: guardedLookup(config.allowPrivateDestinations),
      },
    });
  }

  async send(input: WebhookRequest): Promise<SendResult> {
    const url = new URL(input.destination.url);
    const refused = checkLiteralHost(url, this.config.allowPrivateDestinations);
    if (refused) return this.refusal(refused);
    const timestamp = Math.floor((input.now ?? new Date()).getTime() / 1000);
    const headers = {
      ...input.destination.headers,
      'content-type': 'application/json',
      'user-agent': 'Herald-Webhooks/0.1',
      ...signatureHeaders(input.signingSecrets, {
        messageId: input.messageId,
        timestamp,
        body: input.body,
      }),
    };
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body: input.body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.config.deliveryTimeoutMs),
      });
      const excerpt = await readExcerpt(response.body);
      const verdict = classifyHttpStatus(response.statusCode);
      if (verdict === 'success')
        return { ok: true, statusCode: response.statusCode, responseExcerpt: excerpt };
      const retryAfter = response.headers['retry-after'];
      return {
        ok: false,
        failure: verdict,
        statusCode: response.statusCode,
        message: `receiver answered ${response.statusCode}`,
        responseExcerpt: excerpt,
        retryAfterMs:
          response.statusCode === 429 || response.statusCode === 503
            ? parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter)
            : null,
        gone: response.statusCode === 410,
      };
    } catch (error) {
      const cause =
        error instanceof Error && error.cause instanceof PrivateDestinationError
          ? error.cause
          : error;
      if (cause instanceof PrivateDestinationError) return this.refusal(cause);
      return {
        ok: false,
        failure: 'retryable',
        statusCode: null,
        message: describeNetworkError(cause),
        responseExcerpt: null,
        retryAfterMs: null,
        gone: false,
      };
    }
  }

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

async function readExcerpt(
  body: AsyncIterable<Buffer> & { dump(options?: { limit: number }): Promise<void> },
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= EXCERPT_BYTES) break;
  }
  await body.dump({ limit: DRAIN_LIMIT_BYTES }).catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
  const code =
    (error as NodeJS.ErrnoException).code ??
    (error.cause as NodeJS.ErrnoException | undefined)?.code;
  return code ? `${code}: ${error.message}` : error.message;
}
