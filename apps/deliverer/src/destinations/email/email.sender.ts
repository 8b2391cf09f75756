import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { HERALD_CONFIG } from '@herald/config';
import {
  failedSend,
  type DeliveredBody,
  type EmailDestination,
  type SendResult,
} from '@herald/domain';
import { clientSpan, type Attributes } from '@herald/observability';
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';
import type { DestinationSender, SendRequest } from '../destination-sender';
import { recordSendResult } from '../send-span';
import type { DelivererConfig } from '../../deliverer.config';

type EmailRequest = SendRequest<EmailDestination>;

/** What nodemailer attaches to the errors it raises. */
interface SmtpError extends NodeJS.ErrnoException {
  responseCode?: number;
  response?: string;
  rejected?: string[];
}

/**
 * Sends each delivery as one mail through the operator's SMTP server, over a connection pool.
 * The server is operator-configured, so it is not subject to the private-address check.
 */
@Injectable()
export class EmailSender implements DestinationSender<'email'>, OnApplicationShutdown {
  readonly type = 'email';
  private readonly transport: Transporter | null;
  /** The SMTP server's address for spans; never the URL, which may hold a password. */
  private readonly server: Attributes;

  constructor(@Inject(HERALD_CONFIG) private readonly config: DelivererConfig) {
    this.server = smtpServer(config.delivery.smtp.url);
    this.transport = config.delivery.smtp.url
      ? createTransport({
          url: config.delivery.smtp.url,
          pool: true,
          maxConnections: 5,
          connectionTimeout: config.delivery.timeoutMs,
          greetingTimeout: config.delivery.timeoutMs,
          socketTimeout: config.delivery.timeoutMs,
        })
      : null;
  }

  send(request: EmailRequest): Promise<SendResult> {
    return clientSpan(
      'smtp send',
      () => ({ ...this.server, 'herald.delivery.id': request.body.delivery_id }),
      async (span) =>
        recordSendResult(span, await this.sendMail(request), 'herald.smtp.reply_code'),
    );
  }

  private async sendMail({ destination, body, payload }: EmailRequest): Promise<SendResult> {
    if (!this.transport) {
      return failedSend('ours', 'email is not configured: HERALD_SMTP_URL is not set', null, null);
    }
    try {
      const info = (await this.transport.sendMail({
        from: this.config.delivery.smtp.from,
        to: destination.to,
        subject: `[Herald] ${body.type}`,
        text: textBody(body, payload),
        attachments: [
          { filename: 'event.json', content: payload, contentType: 'application/json' },
        ],
        // The same Message-ID on every attempt lets mail clients fold a re-sent delivery into one.
        messageId: `<${body.delivery_id}@herald>`,
        headers: { 'X-Herald-Delivery-Id': body.delivery_id, 'X-Herald-Event-Id': body.id },
      })) as { response?: string; rejected?: unknown[] };
      // Retrying after a partial rejection would mail the accepted recipients again, so it counts as
      // delivered and the rejected addresses are recorded with the answer.
      const rejected = (info.rejected ?? []).map(String);
      const answer = rejected.length
        ? `${info.response ?? ''} (rejected: ${rejected.join(', ')})`
        : (info.response ?? null);
      return { ok: true, statusCode: smtpCode(info.response), responseExcerpt: answer };
    } catch (error) {
      return classify(error as SmtpError);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.transport?.close();
    return Promise.resolve();
  }
}

function smtpServer(smtpUrl: string | null): Attributes {
  if (!smtpUrl) return {};
  try {
    const url = new URL(smtpUrl);
    return {
      [ATTR_SERVER_ADDRESS]: url.hostname,
      [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    };
  } catch {
    return {};
  }
}

function textBody(body: DeliveredBody, payload: string): string {
  return [
    `A ${body.type} event happened.`,
    '',
    `Event type:      ${body.type}`,
    `Time:            ${body.timestamp}`,
    `Event id:        ${body.id}`,
    `Delivery id:     ${body.delivery_id}`,
    `Subscription id: ${body.subscription_id}`,
    '',
    // The standard body shows its payload; a transformed one, the whole of what was sent.
    ...(payload === JSON.stringify(body)
      ? ['Payload:', JSON.stringify(body.data, null, 2)]
      : ['Body:', JSON.stringify(JSON.parse(payload), null, 2)]),
    '',
    'The delivered body is attached as event.json.',
    '',
  ].join('\n');
}

/** SMTP 5xx replies are permanent (RFC 5321), except 503, a session out of step; 4xx and network failures are retried. */
function classify(error: SmtpError): SendResult {
  const code = error.responseCode ?? null;
  if (code !== null) {
    const permanent = code >= 500 && code < 600 && code !== 503;
    return failedSend(
      permanent ? 'permanent' : 'retryable',
      `SMTP server answered ${error.response ?? code}`,
      code,
      error.response ?? error.message,
    );
  }
  const reason =
    error.code === 'ETIMEDOUT' ? 'timed out' : `${error.code ?? 'error'}: ${error.message}`;
  return failedSend('retryable', `SMTP server unreachable: ${reason}`, null, null);
}

function smtpCode(response: string | undefined): number | null {
  const match = /^(\d{3})/.exec(response ?? '');
  return match ? Number(match[1]) : null;
}
