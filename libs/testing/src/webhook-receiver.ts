import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { listenOnLoopback, loopbackUrl } from './loopback';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

export type Responder = (request: ReceivedRequest) => {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer this long after the request arrived (a slow endpoint). */
  delayMs?: number;
};

/** A real HTTP server on loopback that records every request and answers as told (200 by default). */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private responder: Responder = () => ({ status: 200, body: 'ok' });
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const received: ReceivedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: Date.now(),
        };
        this.requests.push(received);
        const answer = this.responder(received);
        const respond = (): void => {
          res.writeHead(answer.status, answer.headers ?? { 'content-type': 'text/plain' });
          res.end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(respond, answer.delayMs);
        else respond();
      });
    });
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await listenOnLoopback(receiver.server);
    return receiver;
  }

  get url(): string {
    return loopbackUrl(this.server);
  }

  /**
   * What a receiver that de-duplicates on `webhook-id`, as Standard Webhooks asks, has taken in at a
   * path: delivery is at least once, so a rebalance may repeat a delivery.
   */
  distinctRequestsTo(path: string): ReceivedRequest[] {
    const seen = new Set<string>();
    return this.requests.filter((request) => {
      const id = String(request.headers['webhook-id']);
      if (request.path !== path || seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }

  respondWith(responder: Responder): void {
    this.responder = responder;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The body of a received webhook once its Standard Webhooks signature checks out with `secret`. */
export function verifyWebhook<T = unknown>(secret: string, request: ReceivedRequest): T {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as T;
}
